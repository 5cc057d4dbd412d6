"""Random run names in Nextflow's ``adjective_surname`` style (``happy_curie``)."""

from __future__ import annotations

import secrets

ADJECTIVES = (
    "admiring", "agitated", "amazing", "angry", "awesome", "berserk", "big", "boring", "clever", "cocky",
    "compassionate", "condescending", "cranky", "desperate", "determined", "distracted", "dreamy", "drunk",
    "ecstatic", "elated", "elegant", "evil", "fabulous", "fervent", "focused", "friendly", "furious", "gigantic",
    "gloomy", "goofy", "grave", "happy", "high", "hopeful", "hungry", "infallible", "jolly", "jovial", "kickass",
    "lonely", "loving", "mad", "modest", "naughty", "nauseous", "nostalgic", "pedantic", "pensive", "prickly",
    "reverent", "romantic", "sad", "serene", "sharp", "shrivelled", "sick", "silly", "sleepy", "small", "stoic",
    "stupefied", "suspicious", "tender", "thirsty", "tiny", "trusting", "voluminous", "wise", "zen",
)  # fmt: skip
SURNAMES = (
    "agnesi", "albattani", "allen", "almeida", "archimedes", "ardinghelli", "aryabhata", "austin", "babbage",
    "banach", "bardeen", "bartik", "bassi", "bell", "bhabha", "bhaskara", "blackwell", "bohr", "booth", "borg",
    "bose", "boyd", "brahmagupta", "brattain", "brown", "carson", "chandrasekhar", "colden", "cori", "cray",
    "curie", "darwin", "davinci", "dijkstra", "einstein", "elion", "engelbart", "euclid", "euler", "fermat",
    "fermi", "feynman", "franklin", "galileo", "gates", "goldberg", "goldstine", "golick", "goodall", "hamilton",
    "hawking", "heisenberg", "hodgkin", "hoover", "hopper", "hugle", "hypatia", "jang", "jennings", "jepsen",
    "joliot", "jones", "kalam", "kare", "keller", "khorana", "kilby", "kirch", "knuth", "kowalevski", "lalande",
    "lamarr", "leakey", "leavitt", "lichterman", "liskov", "lovelace", "lumiere", "mahavira", "mayer", "mccarthy",
    "mcclintock", "mclean", "mcnulty", "meitner", "mendel", "meninsky", "mirzakhani", "morse", "murdock",
    "newton", "nightingale", "nobel", "noether", "northcutt", "noyce", "panini", "pare", "pasteur", "payne",
    "perlman", "pike", "poincare", "poitras", "ptolemy", "raman", "ramanujan", "ride", "ritchie", "roentgen",
    "rosalind", "saha", "sammet", "shaw", "shirley", "shockley", "sinoussi", "snyder", "spence", "stallman",
    "stonebraker", "swanson", "swartz", "swirles", "tesla", "thompson", "torvalds", "turing", "varahamihira",
    "visvesvaraya", "volhard", "wescoff", "williams", "wilson", "wing", "wozniak", "wright", "yalow", "yonath",
)  # fmt: skip


def random_name() -> str:
    return f"{secrets.choice(ADJECTIVES)}_{secrets.choice(SURNAMES)}"


def unique_random_name(taken) -> str:
    """A random name for which `taken(name)` is False; a numeric suffix after a few collisions."""
    for _ in range(20):
        name = random_name()
        if not taken(name):
            return name
    while True:
        name = f"{random_name()}_{secrets.randbelow(10_000)}"
        if not taken(name):
            return name
