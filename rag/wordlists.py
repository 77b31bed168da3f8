"""The small English word lists the answerer relies on, in one place so they are easy to extend.

Each list is a judgement about newsroom English ("leader" names a person, "value" names a measurement,
"accuse" and "blame" are used interchangeably); the comment on each says what it is used for.
"""

from __future__ import annotations


def words(text: str) -> frozenset[str]:
    return frozenset(text.split())


WH_WORDS = words("who whom whose what which when where why how")
AUX_WORDS = words("is are was were do does did has have had can could will would should may might must")
PERSON_NOUNS = words(
    "person man woman leader minister spokesperson spokesman official president chief head commander analyst researcher author founder"
)
ORG_NOUNS = words(
    "group organisation organization company agency party institute institution bank militia ministry body firm army movement lender"
)
PLACE_NOUNS = words("province city country region place town port harbour harbor area state location")
TIME_NOUNS = words("year date day month time week decade")
# Nouns that only say what kind of answer is wanted ("which country"): the entity type answers them.
TYPE_NOUNS = (
    PLACE_NOUNS
    | TIME_NOUNS
    | words("person man woman people organisation organization institution group name event thing kind type sort incident")
)
REASON_NOUNS = words("reason cause motive purpose")
REASON_VERBS = words("drive cause fuel motivate explain")  # "What drives the separatist movement?"
ROLE_NOUNS = words("position job role title post occupation profession")  # "What is Abdul Basit's job?"
# Nouns that name a measurement rather than the thing measured: "the value of the CPEC" is found next to
# "$60 billion", not next to the word "value"; what they modify or measure is required instead.
MEASURE_NOUNS = words(
    "money number amount value total figure size sum count level rate percentage share proportion cost price worth quantity toll much"
)
QUANTITY_NOUNS = MEASURE_NOUNS | words(
    "population fdi investment funding gdp revenue death casualty spending loan debt growth inflation budget"
)
NAME_VERBS = words("call name dub title know")
# Verbs reporters use interchangeably: a question about accusing is answered by a sentence about blaming.
SYNONYMS = {
    "accuse": ("blame",),
    "blame": ("accuse",),
    "kill": ("die", "death", "dead"),
    "die": ("kill", "death", "dead"),
    "lead": ("head", "chief", "leader", "director"),
    "resident": ("people", "population", "inhabitant"),
    "harbour": ("port",),
    # "According to the State Bank of Pakistan, …" is how a report says who counted or published a figure.
    "count": ("record", "tally", "accord"),
    "record": ("count", "tally", "accord"),
    "publish": ("release", "accord"),
    "release": ("publish", "accord"),
    "report": ("accord",),
    "estimate": ("accord",),
    "reject": ("deny", "dismiss"),
    "deny": ("reject",),
    "found": ("establish", "form"),
    "rescue": ("save", "free"),
    "attack": ("strike", "assault", "raid"),
    "launch": ("start", "begin"),
    "say": ("tell", "state", "add"),
}
LIGHT_VERBS = words("be do have say tell happen get make")
SKIP_LEMMAS = words("many much there also")
