"""Believable, made-up names for synthetic providers, care homes, agencies and streets."""

import random
from collections.abc import Callable

from mqis.demo.geography import INWARD_LETTERS

HOME_WORDS = [
    "Oakfield", "Brookside", "Willow", "Ashgrove", "Beechwood", "Hollybank", "Meadowbank",
    "Elmhurst", "Fernlea", "Hawthorn", "Larchwood", "Rosewood", "Springfield", "Woodlands",
    "Heatherdene", "Primrose", "Laburnum", "The Lindens", "The Cedars", "Highfield",
    "Moorside", "Riverside", "Ferndale", "St Anne's", "St Joseph's", "St Mary's", "Abbeyfield",
    "Alderley", "Applegarth", "Ashbourne", "Ashlea", "Aspen", "Beech Hill", "Birchwood",
    "Blackthorn", "Bramley", "Briarwood", "Broadoak", "Brookfield", "Burnside", "Chestnut",
    "Claremont", "Cloverdale", "Coppice", "Cranford", "Croft", "Dalewood", "Deansgate",
    "Eastwood", "Edenfield", "Fairhaven", "Fairview", "Firbank", "Foxhill", "Glenside",
    "Greenacres", "Greenbank", "Hazelwood", "Heathfield", "Hillcrest", "Hilltop", "Holmfield",
    "Ivydene", "Juniper", "Kingsley", "Lakeside", "Langdale", "Lilac", "Linden", "Lynwood",
    "Maple", "Mayfield", "Meadowside", "Millbrook", "Moorfield", "Mountview", "Newlands",
    "Oak Tree", "Orchard", "Park View", "Pinewood", "Poplars", "Priory", "Redbrook",
    "Redwood", "Ribblesdale", "Rowan", "Sandown", "Silverdale", "Southfield", "Stonecroft",
    "Summerfield", "Sunnybank", "Sycamore", "Thornleigh", "Valley View", "Westbourne",
    "Westfield", "Whitegates", "Windermere", "Windsor", "Woodside", "Yew Tree", "Bankfield",
    "Beaumont", "Belmont", "Bridgewater", "Calderstones", "Carrington", "Castleton",
    "Clifton", "Dunham", "Grasmere", "Hartley", "Haworth", "Irwell", "Kenyon", "Lowther",
    "Mersey View", "Ormerod", "Pendle View", "Rivington", "Rossall", "Stanley", "Tatton",
]
HOME_SUFFIXES = ["House", "Lodge", "Court", "Manor", "Hall", "Grange", "View", "Care Home",
                 "Residential Home", "House Care Home", "Gardens"]
NURSING_SUFFIXES = ["Nursing Home", "Care Centre", "Nursing and Residential Home",
                    "Care and Nursing Home", "Lodge Nursing Home"]

AGENCY_WORDS = [
    "Bluebell", "Kindred", "Compass", "Harmony", "Lighthouse", "Evergreen", "Homestead",
    "Brightside", "Meridian", "Serenity", "Trinity", "Northern Star", "Silverline", "Daisy",
    "Sunflower", "Acorn", "Amber", "Caring Hearts", "Carewell", "Coastline", "Crescent",
    "Greenway", "Hearthside", "Horizon", "Keystone", "Lantern", "Lotus", "Marigold", "Nightingale",
    "Oakleaf", "Pathway", "Pennine Way", "Quayside", "Rainbow", "Redrose", "Seasons", "Snowdrop",
    "Starlight", "Thistle", "Unity", "Waterside", "Wellspring", "Wildflower", "Aurora",
    "Bridges", "Cornerstone", "Dove", "Ember", "Faith", "Goldcrest", "Honeysuckle", "Ivy",
]
AGENCY_SUFFIXES = ["Home Care", "Homecare", "Care at Home", "Care Services", "Domiciliary Care",
                   "Support Services", "Care Solutions", "Healthcare"]

STREETS = [
    "Church Road", "Park Lane", "Manchester Road", "Station Road", "High Street", "Victoria Road",
    "Chapel Street", "Mill Lane", "School Lane", "Green Lane", "Moor Lane", "Bolton Road",
    "Liverpool Road", "Chorley Road", "Preston Road", "Wigan Road", "Hall Lane", "Queens Road",
    "Kings Road", "Albert Road", "Newton Road", "Oldham Road", "Bury Old Road", "Derby Road",
    "Stanley Road", "Grange Road", "Cemetery Road", "Park Road", "Springfield Road",
    "Lancaster Road", "Garstang Road", "Blackburn Road", "Warrington Road", "Chester Road",
    "Crewe Road", "London Road", "Wellington Road", "Princess Street", "Brook Street",
    "Bridge Street", "Water Lane", "Woodland Avenue", "Beech Avenue", "Oak Avenue",
    "The Crescent", "Meadow Close", "Orchard Way", "Mount Pleasant", "Sandy Lane", "Marsh Lane",
]

SURNAMES = ["Patel", "Smith", "Hughes", "Ahmed", "Walsh", "Taylor", "Khan", "Jones", "Murphy",
            "Kaur", "Brennan", "Lees", "Ashworth", "Greenhalgh", "Okafor", "Nowak", "Begum",
            "Whittaker", "Howarth", "Singh", "Duckworth", "Mensah", "Clarke", "Roberts"]


def postcode(rng: random.Random, outward: str) -> str:
    return f"{outward} {rng.randint(1, 9)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"


def street_address(rng: random.Random, town: str) -> str:
    number = rng.randint(1, 240)
    return f"{number} {rng.choice(STREETS)}\n{town}"


class NamePool:
    """Hands out names without repeating one inside the demo."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def _unique(self, make: Callable[[], str], town: str) -> str:
        for _ in range(30):
            name = make()
            if name not in self.used:
                self.used.add(name)
                return name
        name = f"{make()} ({town})"
        while name in self.used:
            name = f"{make()} ({town})"
        self.used.add(name)
        return name

    def care_home(self, nursing: bool, town: str) -> str:
        rng = self.rng

        def make() -> str:
            suffixes = NURSING_SUFFIXES if nursing and rng.random() < 0.7 else HOME_SUFFIXES
            return f"{rng.choice(HOME_WORDS)} {rng.choice(suffixes)}"

        return self._unique(make, town)

    def agency(self, town: str) -> str:
        rng = self.rng

        def make() -> str:
            if rng.random() < 0.25:
                return f"{rng.choice(AGENCY_WORDS)} {rng.choice(AGENCY_SUFFIXES)} ({town})"
            return f"{rng.choice(AGENCY_WORDS)} {rng.choice(AGENCY_SUFFIXES)}"

        return self._unique(make, town)

    def small_provider(self, location_name: str) -> str:
        """The company behind a single home or a small chain."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.45:
            base = location_name.split(" (")[0]
            return f"{base} Ltd" if rng.random() < 0.6 else f"{base} Limited"
        if roll < 0.75:
            kind = rng.choice(["Care", "Healthcare", "Care Homes"])
            return f"{rng.choice(HOME_WORDS)} {kind} Ltd"
        if roll < 0.9:
            first, second = rng.sample(SURNAMES, 2)
            if rng.random() < 0.5:
                return f"Mr and Mrs {first[0]} {first}"
            return f"{first} & {second} Care Ltd"
        return f"{rng.choice(SURNAMES)} Family Care Ltd"
