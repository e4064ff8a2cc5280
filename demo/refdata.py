"""Small fixed reference lists the generator draws from: names, places, streets, devices, text.

Kept in code (not downloaded) so a run needs nothing from outside and stays reproducible.
"""

from __future__ import annotations

FIRST_NAMES: tuple[str, ...] = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
    "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
    "Christopher", "Lisa", "Daniel", "Nancy", "Matthew", "Betty", "Anthony", "Sandra", "Mark", "Margaret",
    "Donald", "Ashley", "Steven", "Kimberly", "Andrew", "Emily", "Paul", "Donna", "Joshua", "Michelle",
    "Kenneth", "Carol", "Kevin", "Amanda", "Brian", "Melissa", "George", "Deborah", "Timothy", "Stephanie",
    "Ronald", "Rebecca", "Jason", "Sharon", "Edward", "Laura", "Jeffrey", "Cynthia", "Ryan", "Dorothy",
    "Jacob", "Amy", "Gary", "Kathleen", "Nicholas", "Angela", "Eric", "Shirley", "Jonathan", "Emma",
    "Stephen", "Brenda", "Larry", "Pamela", "Justin", "Nicole", "Scott", "Anna", "Brandon", "Samantha",
    "Benjamin", "Katherine", "Samuel", "Christine", "Gregory", "Debra", "Alexander", "Rachel", "Patrick",
    "Carolyn", "Frank", "Janet", "Raymond", "Maria", "Jack", "Olivia", "Dennis", "Heather", "Jerry",
    "Helen", "Tyler", "Catherine", "Aaron", "Diane", "Jose", "Julie", "Adam", "Victoria", "Nathan", "Joyce",
    "Henry", "Lauren", "Zachary", "Kelly", "Douglas", "Christina", "Peter", "Ruth", "Kyle", "Joan", "Noah",
    "Virginia", "Ethan", "Judith", "Jeremy", "Evelyn", "Christian", "Hannah", "Walter", "Andrea", "Keith",
    "Megan", "Austin", "Cheryl", "Roger", "Jacqueline", "Terry", "Madison", "Sean", "Sophia", "Gerald",
    "Abigail", "Carl", "Teresa", "Dylan", "Isabella", "Harold", "Sara", "Jordan", "Janice", "Jesse",
    "Julia", "Bryan", "Grace", "Lawrence", "Judy", "Arthur", "Theresa", "Gabriel", "Rose", "Bruce",
    "Beverly", "Logan", "Denise", "Billy", "Marilyn", "Joe", "Amber", "Alan", "Danielle", "Juan", "Brittany",
    "Elijah", "Diana", "Willie", "Natalie", "Albert", "Mila", "Wayne", "Chloe", "Randy", "Priya", "Mason",
    "Aisha", "Liam", "Mei", "Lucas", "Fatima", "Oliver", "Sofia", "Mateo", "Yuki", "Arjun", "Chiara",
)

LAST_NAMES: tuple[str, ...] = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
    "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
    "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green",
    "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Gomez",
    "Phillips", "Evans", "Turner", "Diaz", "Parker", "Cruz", "Edwards", "Collins", "Reyes", "Stewart",
    "Morris", "Morales", "Murphy", "Cook", "Rogers", "Gutierrez", "Ortiz", "Morgan", "Cooper", "Peterson",
    "Bailey", "Reed", "Kelly", "Howard", "Ramos", "Kim", "Cox", "Ward", "Richardson", "Watson", "Brooks",
    "Chavez", "Wood", "James", "Bennett", "Gray", "Mendoza", "Ruiz", "Hughes", "Price", "Alvarez", "Castillo",
    "Sanders", "Patel", "Myers", "Long", "Ross", "Foster", "Jimenez", "Powell", "Jenkins", "Perry", "Russell",
    "Sullivan", "Bell", "Coleman", "Butler", "Henderson", "Barnes", "Gonzales", "Fisher", "Vasquez",
    "Simmons", "Romero", "Jordan", "Patterson", "Alexander", "Hamilton", "Graham", "Reynolds", "Griffin",
    "Wallace", "Moreno", "West", "Cole", "Hayes", "Bryant", "Herrera", "Gibson", "Ellis", "Tran", "Medina",
    "Aguilar", "Stevens", "Murray", "Ford", "Castro", "Marshall", "Owens", "Harrison", "Fernandez",
    "McDonald", "Woods", "Washington", "Kennedy", "Wells", "Vargas", "Henry", "Chen", "Freeman", "Webb",
    "Tucker", "Guzman", "Burns", "Crawford", "Olson", "Simpson", "Porter", "Hunter", "Gordon", "Mendez",
    "O'Brien", "O'Connor", "Smith-Jones", "MacLeod", "Schmidt", "Novak", "Kowalski", "Singh", "Wang", "Zhang",
    "Okafor", "Haddad", "Rossi", "Dubois", "Tremblay", "Gagnon", "Roy", "Fraser", "Evans-Wright", "St. Pierre",
)

# (domain, weight) by country; business buyers use their company domain instead.
EMAIL_DOMAINS: dict[str, tuple[tuple[str, float], ...]] = {
    "US": (("gmail.com", 0.42), ("yahoo.com", 0.12), ("hotmail.com", 0.08), ("outlook.com", 0.08),
           ("icloud.com", 0.11), ("aol.com", 0.04), ("comcast.net", 0.04), ("me.com", 0.03),
           ("proton.me", 0.03), ("msn.com", 0.02), ("att.net", 0.03)),
    "CA": (("gmail.com", 0.45), ("hotmail.com", 0.15), ("outlook.com", 0.1), ("yahoo.ca", 0.08),
           ("icloud.com", 0.08), ("shaw.ca", 0.07), ("rogers.com", 0.07)),
    "GB": (("gmail.com", 0.4), ("hotmail.co.uk", 0.15), ("outlook.com", 0.1), ("yahoo.co.uk", 0.1),
           ("btinternet.com", 0.1), ("icloud.com", 0.1), ("sky.com", 0.05)),
}

# Typed-by-hand domain slips that still look like valid addresses (a trap for matching, not for quarantine).
DOMAIN_TYPOS: dict[str, str] = {
    "gmail.com": "gmial.com", "yahoo.com": "yaho.com", "hotmail.com": "hotmial.com",
    "outlook.com": "outlok.com", "icloud.com": "iclod.com", "aol.com": "aol.co",
}

# (city, region code, postal prefix, phone area codes)
US_CITIES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("New York", "NY", "100", ("212", "646", "917")), ("Brooklyn", "NY", "112", ("718", "347")),
    ("Los Angeles", "CA", "900", ("213", "310", "323")), ("San Francisco", "CA", "941", ("415", "628")),
    ("San Diego", "CA", "921", ("619", "858")), ("Oakland", "CA", "946", ("510",)),
    ("Chicago", "IL", "606", ("312", "773")), ("Houston", "TX", "770", ("713", "832")),
    ("Austin", "TX", "787", ("512", "737")), ("Dallas", "TX", "752", ("214", "469")),
    ("Phoenix", "AZ", "850", ("602", "480")), ("Philadelphia", "PA", "191", ("215", "267")),
    ("Pittsburgh", "PA", "152", ("412",)), ("Seattle", "WA", "981", ("206", "425")),
    ("Portland", "OR", "972", ("503", "971")), ("Denver", "CO", "802", ("303", "720")),
    ("Boulder", "CO", "803", ("303",)), ("Boston", "MA", "021", ("617", "857")),
    ("Cambridge", "MA", "021", ("617",)), ("Atlanta", "GA", "303", ("404", "678")),
    ("Miami", "FL", "331", ("305", "786")), ("Orlando", "FL", "328", ("407",)),
    ("Tampa", "FL", "336", ("813",)), ("Nashville", "TN", "372", ("615",)),
    ("Charlotte", "NC", "282", ("704", "980")), ("Raleigh", "NC", "276", ("919",)),
    ("Minneapolis", "MN", "554", ("612",)), ("Detroit", "MI", "482", ("313",)),
    ("Columbus", "OH", "432", ("614",)), ("Cleveland", "OH", "441", ("216",)),
    ("Salt Lake City", "UT", "841", ("801", "385")), ("Las Vegas", "NV", "891", ("702",)),
    ("Baltimore", "MD", "212", ("410", "443")), ("Washington", "DC", "200", ("202",)),
    ("Richmond", "VA", "232", ("804",)), ("Madison", "WI", "537", ("608",)),
    ("Kansas City", "MO", "641", ("816",)), ("St. Louis", "MO", "631", ("314",)),
    ("Burlington", "VT", "054", ("802",)), ("Anchorage", "AK", "995", ("907",)),
)
CA_CITIES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("Toronto", "ON", "M5V", ("416", "647")), ("Ottawa", "ON", "K1P", ("613",)),
    ("Montreal", "QC", "H2X", ("514", "438")), ("Vancouver", "BC", "V6B", ("604", "778")),
    ("Calgary", "AB", "T2P", ("403", "587")), ("Edmonton", "AB", "T5J", ("780",)),
    ("Winnipeg", "MB", "R3C", ("204",)), ("Halifax", "NS", "B3H", ("902",)),
)
GB_CITIES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("London", "ENG", "SW1A", ("7700", "7911")), ("Manchester", "ENG", "M1", ("7712", "7403")),
    ("Birmingham", "ENG", "B1", ("7825", "7456")), ("Leeds", "ENG", "LS1", ("7534",)),
    ("Bristol", "ENG", "BS1", ("7789",)), ("Edinburgh", "SCT", "EH1", ("7817",)),
    ("Glasgow", "SCT", "G1", ("7951",)), ("Cardiff", "WLS", "CF10", ("7722",)),
)

STREET_NAMES: tuple[str, ...] = (
    "Maple", "Oak", "Cedar", "Pine", "Elm", "Washington", "Lake", "Hill", "Sunset", "Park", "Main", "Church",
    "Highland", "Forest", "River", "Spring", "Willow", "Meadow", "Chestnut", "Lincoln", "Jefferson", "Franklin",
    "Madison", "Adams", "Jackson", "Cherry", "Walnut", "Birch", "Hickory", "Magnolia", "Sycamore", "Dogwood",
    "Valley", "Ridge", "Mill", "Market", "Water", "Bridge", "Union", "Center", "Prospect", "Pleasant",
    "Summit", "Woodland", "Fairview", "Grove", "Orchard", "Harbor", "Bay", "Beacon", "Colonial", "Kingston",
    "Victoria", "Queen", "King", "Albert", "Station", "High", "Garden", "Mountain", "Laurel", "Aspen",
)
# (long form, abbreviation): the same street is typed both ways (Street / St. / ST).
STREET_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("Street", "St"), ("Avenue", "Ave"), ("Road", "Rd"), ("Boulevard", "Blvd"), ("Lane", "Ln"),
    ("Drive", "Dr"), ("Court", "Ct"), ("Place", "Pl"), ("Terrace", "Ter"), ("Parkway", "Pkwy"),
)

COMPANY_WORDS: tuple[str, ...] = (
    "Summit", "Northwind", "Bluebird", "Cascade", "Ironwood", "Redwood", "Harbor", "Pioneer", "Keystone",
    "Granite", "Evergreen", "Atlas", "Beacon", "Lakeside", "Copperline", "Meridian", "Trailhead", "Sterling",
)
COMPANY_KINDS: tuple[str, ...] = (
    "Supply", "Outfitters", "Logistics", "Consulting", "Studios", "Events", "Hospitality", "Facilities",
    "Adventures", "Partners",
)
COMPANY_SUFFIXES: tuple[str, ...] = ("LLC", "Inc.", "Co.", "Ltd.", "Group LLC", "Corp.")

# (user agent, device type)
USER_AGENTS: tuple[tuple[str, str], ...] = (
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/124.0.0.0 Safari/537.36", "desktop"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.4 Safari/605.1.15", "desktop"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0", "desktop"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51", "desktop"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.4 Mobile/15E148 Safari/604.1", "mobile"),
    ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/124.0.6367.82 Mobile Safari/537.36", "mobile"),
    ("Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/123.0.6312.118 Mobile Safari/537.36", "mobile"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Mobile/15E148 Instagram 329.0.0.41.93", "mobile"),
    ("Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.4 Mobile/15E148 Safari/604.1", "tablet"),
    ("Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/124.0.6367.82 Safari/537.36", "tablet"),
)

# Acquisition / order traffic sources: (utm_source, utm_medium, referring site or None).
TRAFFIC_SOURCES: tuple[tuple[str | None, str | None, str | None], ...] = (
    ("google", "cpc", "https://www.google.com/"),
    ("facebook", "paid_social", "https://l.facebook.com/"),
    ("instagram", "social", "https://l.instagram.com/"),
    ("klaviyo", "email", None),
    (None, None, None),  # direct
    (None, None, "https://www.google.com/"),  # organic search
)
TRAFFIC_NAMES: tuple[str, ...] = ("google/cpc", "facebook/paid_social", "instagram", "klaviyo/email",
                                  "direct", "organic")
