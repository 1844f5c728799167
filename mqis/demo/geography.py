"""The North West's 23 councils as the demo needs them: relative size and postcode districts.

Weights are the councils' resident populations in thousands (ONS mid-2020 estimates,
rounded), so a council's share of synthetic locations follows its size. Each council has
real postcode districts (outward codes) with the town they serve; the inward halves the
demo makes up, so addresses look right but point nowhere in particular.
"""

NORTH_WEST = "E12000002"

COUNCILS: dict[str, tuple[int, list[tuple[str, str]]]] = {
    "E06000006": (130, [("WA7", "Runcorn"), ("WA8", "Widnes")]),  # Halton
    "E06000007": (210, [("WA1", "Warrington"), ("WA2", "Warrington"), ("WA4", "Warrington"),
                        ("WA5", "Warrington")]),
    "E06000008": (150, [("BB1", "Blackburn"), ("BB2", "Blackburn"), ("BB3", "Darwen")]),
    "E06000009": (139, [("FY1", "Blackpool"), ("FY2", "Blackpool"), ("FY3", "Blackpool"),
                        ("FY4", "Blackpool")]),
    "E06000049": (386, [("CW1", "Crewe"), ("CW2", "Crewe"), ("CW4", "Holmes Chapel"),
                        ("CW11", "Sandbach"), ("CW12", "Congleton"), ("SK9", "Wilmslow"),
                        ("SK10", "Macclesfield"), ("SK11", "Macclesfield"),
                        ("CW5", "Nantwich")]),  # Cheshire East
    "E06000050": (344, [("CH1", "Chester"), ("CH2", "Chester"), ("CH3", "Chester"),
                        ("CH4", "Chester"), ("CH65", "Ellesmere Port"), ("CW7", "Winsford"),
                        ("CW8", "Northwich"), ("CW9", "Northwich")]),  # Cheshire West
    "E08000001": (288, [("BL1", "Bolton"), ("BL2", "Bolton"), ("BL3", "Bolton"),
                        ("BL4", "Farnworth"), ("BL5", "Westhoughton"), ("BL6", "Horwich")]),
    "E08000002": (191, [("BL8", "Bury"), ("BL9", "Bury"), ("BL0", "Ramsbottom"),
                        ("M26", "Radcliffe"), ("M45", "Whitefield")]),
    "E08000003": (555, [("M8", "Manchester"), ("M9", "Manchester"), ("M11", "Manchester"),
                        ("M13", "Manchester"), ("M14", "Manchester"), ("M16", "Manchester"),
                        ("M19", "Manchester"), ("M20", "Manchester"), ("M21", "Manchester"),
                        ("M22", "Manchester"), ("M23", "Manchester"), ("M40", "Manchester")]),
    "E08000004": (238, [("OL1", "Oldham"), ("OL2", "Shaw"), ("OL4", "Oldham"),
                        ("OL8", "Oldham"), ("OL9", "Chadderton")]),
    "E08000005": (223, [("OL10", "Heywood"), ("OL11", "Rochdale"), ("OL12", "Rochdale"),
                        ("OL16", "Rochdale"), ("M24", "Middleton")]),
    "E08000006": (262, [("M5", "Salford"), ("M6", "Salford"), ("M7", "Salford"),
                        ("M27", "Swinton"), ("M28", "Worsley"), ("M30", "Eccles")]),
    "E08000007": (294, [("SK1", "Stockport"), ("SK2", "Stockport"), ("SK3", "Stockport"),
                        ("SK4", "Stockport"), ("SK5", "Stockport"), ("SK6", "Marple"),
                        ("SK7", "Bramhall"), ("SK8", "Cheadle")]),
    "E08000008": (227, [("OL6", "Ashton-under-Lyne"), ("OL7", "Ashton-under-Lyne"),
                        ("SK14", "Hyde"), ("SK15", "Stalybridge"), ("SK16", "Dukinfield"),
                        ("M34", "Denton")]),  # Tameside
    "E08000009": (237, [("M32", "Stretford"), ("M33", "Sale"), ("M41", "Urmston"),
                        ("WA14", "Altrincham"), ("WA15", "Altrincham")]),  # Trafford
    "E08000010": (330, [("WN1", "Wigan"), ("WN2", "Hindley"), ("WN3", "Wigan"),
                        ("WN5", "Wigan"), ("WN6", "Standish"), ("WN7", "Leigh"),
                        ("M29", "Tyldesley")]),
    "E08000011": (152, [("L28", "Stockbridge Village"), ("L34", "Prescot"), ("L35", "Whiston"),
                        ("L36", "Huyton")]),  # Knowsley
    "E08000012": (498, [("L4", "Liverpool"), ("L6", "Liverpool"), ("L8", "Liverpool"),
                        ("L11", "Liverpool"), ("L12", "Liverpool"), ("L13", "Liverpool"),
                        ("L15", "Liverpool"), ("L17", "Liverpool"), ("L18", "Liverpool"),
                        ("L19", "Liverpool"), ("L25", "Liverpool")]),
    "E08000013": (181, [("WA9", "St Helens"), ("WA10", "St Helens"), ("WA11", "St Helens"),
                        ("WA12", "Newton-le-Willows")]),
    "E08000014": (276, [("L20", "Bootle"), ("L21", "Litherland"), ("L23", "Crosby"),
                        ("L37", "Formby"), ("PR8", "Southport"), ("PR9", "Southport")]),
    "E08000015": (324, [("CH41", "Birkenhead"), ("CH42", "Birkenhead"), ("CH43", "Prenton"),
                        ("CH44", "Wallasey"), ("CH45", "Wallasey"), ("CH46", "Moreton"),
                        ("CH47", "Hoylake"), ("CH48", "West Kirby"), ("CH49", "Upton"),
                        ("CH60", "Heswall"), ("CH62", "Bebington"), ("CH63", "Bebington")]),
    "E10000006": (500, [("CA1", "Carlisle"), ("CA2", "Carlisle"), ("CA3", "Carlisle"),
                        ("CA7", "Wigton"), ("CA11", "Penrith"), ("CA14", "Workington"),
                        ("CA28", "Whitehaven"), ("LA9", "Kendal"), ("LA12", "Ulverston"),
                        ("LA14", "Barrow-in-Furness"), ("LA23", "Windermere")]),  # Cumbria
    "E10000017": (1228, [("PR1", "Preston"), ("PR2", "Preston"), ("PR5", "Bamber Bridge"),
                         ("PR7", "Chorley"), ("PR25", "Leyland"), ("LA1", "Lancaster"),
                         ("LA3", "Heysham"), ("LA4", "Morecambe"), ("BB4", "Rawtenstall"),
                         ("BB5", "Accrington"), ("BB7", "Clitheroe"), ("BB9", "Nelson"),
                         ("BB10", "Burnley"), ("BB11", "Burnley"), ("FY5", "Thornton-Cleveleys"),
                         ("FY6", "Poulton-le-Fylde"), ("FY8", "Lytham St Annes"),
                         ("L39", "Ormskirk"), ("L40", "Burscough"), ("WN8", "Skelmersdale")]),
}

GREATER_MANCHESTER = ["E08000001", "E08000002", "E08000003", "E08000004", "E08000005",
                      "E08000006", "E08000007", "E08000008", "E08000009", "E08000010"]
MERSEY_AND_CHESHIRE = ["E06000006", "E06000007", "E06000049", "E06000050", "E08000011",
                       "E08000012", "E08000013", "E08000014", "E08000015"]
LANCASHIRE_AND_CUMBRIA = ["E06000008", "E06000009", "E10000006", "E10000017"]
MANCHESTER = "E08000003"
LIVERPOOL = "E08000012"

# Letters used in the inward half of real postcodes (never C, I, K, M, O or V).
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def allocate(total: int, minimum: int = 2) -> dict[str, int]:
    """Share `total` locations between the councils by weight (largest remainder).

    Every council gets at least `minimum`, so a small demo still covers the whole region.
    """
    codes = sorted(COUNCILS)
    floor_total = minimum * len(codes)
    spare = max(0, total - floor_total)
    weight_sum = sum(COUNCILS[c][0] for c in codes)
    exact = {c: spare * COUNCILS[c][0] / weight_sum for c in codes}
    counts = {c: minimum + int(exact[c]) for c in codes}
    left = minimum * len(codes) + spare - sum(counts.values())
    by_remainder = sorted(codes, key=lambda c: (-(exact[c] - int(exact[c])), c))
    for code in by_remainder[:left]:
        counts[code] += 1
    return counts
