"""The data tables people and their records are drawn from: names, nicknames, cities, streets, e-mail
domains, companies, products and ticket subjects."""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

# fmt: off

NICKNAMES = {
    "Robert": ("Bob", "Rob", "Bobby"), "William": ("Bill", "Will", "Billy"), "Elizabeth": ("Liz", "Beth", "Betsy"),
    "Margaret": ("Peggy", "Maggie", "Meg"), "James": ("Jim", "Jimmy"), "Richard": ("Rick", "Dick", "Rich"),
    "Katherine": ("Kate", "Katie", "Kathy"), "Michael": ("Mike",), "Jennifer": ("Jen", "Jenny"),
    "Thomas": ("Tom", "Tommy"), "Christopher": ("Chris",), "Daniel": ("Dan", "Danny"), "Joseph": ("Joe",),
    "Patricia": ("Pat", "Patty", "Trish"), "Anthony": ("Tony",), "Susan": ("Sue", "Suzy"),
    "Edward": ("Ed", "Ted", "Eddie"), "Alexander": ("Alex",), "Rebecca": ("Becky",), "Jonathan": ("Jon",),
    "Deborah": ("Deb", "Debbie"), "Nicholas": ("Nick",), "Samantha": ("Sam",), "Victoria": ("Vicky", "Tori"),
    "Charles": ("Charlie", "Chuck"), "Andrew": ("Andy", "Drew"), "Matthew": ("Matt",), "Benjamin": ("Ben",),
    "Abigail": ("Abby",), "Theodore": ("Teddy", "Theo"), "Gregory": ("Greg",), "Timothy": ("Tim",),
    "Steven": ("Steve",), "Douglas": ("Doug",), "Cynthia": ("Cindy",), "Kimberly": ("Kim",),
}
FIRST_NAMES = (*NICKNAMES, "Emily", "Olivia", "Sophia", "Ava", "Mia", "Noah", "Liam", "Ethan", "Lucas", "Grace",
               "Chloe", "Hannah", "Aiden", "Maya", "Nora", "Leah", "Ryan", "Kevin", "Jason", "Laura", "Sarah", "Rachel",
               "Megan", "Tyler", "Brandon", "Priya", "Arjun", "Aisha", "Omar", "Mateo", "Diego", "Camila", "Lucia",
               "Kwame", "Amara", "Paul", "Mark", "Linda", "Karen", "Nancy", "Lisa", "Brian", "Eric")
LAST_NAMES = ("Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
              "Hernandez", "Lopez", "Wilson", "Anderson", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Thompson",
              "White", "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott",
              "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell",
              "Mitchell", "Carter", "Roberts", "Patel", "Shah", "Kim", "Park", "Okafor", "O'Brien", "McAllister",
              "Kowalski", "Novak", "Schmidt", "Rossi", "Fischer", "Cohen", "Murphy", "Sullivan", "Kelly", "Hughes",
              "Bennett", "Barnes", "Henderson", "Coleman", "Jenkins", "Powell", "Patterson", "Foster", "Bryant",
              "Griffin", "Hayes", "Myers", "Hamilton", "Graham", "Wallace", "Reynolds", "Fisher", "Ellis", "Gibson",
              "Marshall", "Ortiz", "Murray", "Freeman", "Webb", "Tucker", "Porter", "Hunter", "Crawford", "Boyd",
              "Kennedy", "Warren", "Dixon", "Burns", "Gordon", "Holmes", "Palmer", "Knight", "Ferguson", "Hawkins",
              "Hudson", "Spencer", "Gardner", "Payne", "Pierce", "Arnold", "Wagner", "Olson", "Snyder", "Harper")
COMMON_NAMES = (("Michael", "Smith"), ("Maria", "Garcia"), ("James", "Johnson"), ("David", "Lee"),
                ("Jennifer", "Brown"), ("John", "Williams"), ("Robert", "Jones"), ("Linda", "Martinez"),
                ("Sarah", "Miller"), ("Chris", "Davis"), ("Jessica", "Wilson"), ("Daniel", "Nguyen"))
DIACRITIC_FIRST = ("José", "Zoë", "François", "Renée", "Björn", "Chloë", "Inés", "André", "Jürgen", "Łukasz", "Noël",
                   "Søren", "Agnès", "Hélène", "Mónica", "Raúl", "Anaïs", "Ángel", "Jérôme", "Małgorzata")
DIACRITIC_LAST = ("García", "Müller", "Lefèvre", "Åström", "Muñoz", "Peña", "Gonçalves", "Weiß", "Wójcik", "Dvořák",
                  "Brontë", "Sánchez", "Jiménez", "Núñez", "Østergaard", "Schröder", "Bernabé", "Gómez", "Köhler")
NON_LATIN = (  # (first, last) in their own script, then the Latin spellings other systems hold
    ("伟", "王", ("Wei",), ("Wang",)), ("娜", "李", ("Na",), ("Li", "Lee")), ("敏", "张", ("Min",), ("Zhang", "Chang")),
    ("洋", "刘", ("Yang",), ("Liu",)), ("静", "陈", ("Jing",), ("Chen",)), ("磊", "杨", ("Lei",), ("Yang",)),
    ("丽", "赵", ("Li",), ("Zhao", "Chao")), ("涛", "黄", ("Tao",), ("Huang",)), ("芳", "吴", ("Fang",), ("Wu",)),
    ("Дмитрий", "Иванов", ("Dmitry", "Dmitriy", "Dmitrii"), ("Ivanov",)),
    ("Ольга", "Смирнова", ("Olga",), ("Smirnova",)), ("Сергей", "Кузнецов", ("Sergey", "Sergei"), ("Kuznetsov",)),
    ("Наталья", "Попова", ("Natalya", "Natalia"), ("Popova",)),
    ("Алексей", "Соколов", ("Alexey", "Aleksei", "Alexei"), ("Sokolov",)),
    ("Екатерина", "Морозова", ("Ekaterina", "Yekaterina"), ("Morozova",)),
    ("健", "佐藤", ("Ken",), ("Sato",)), ("由美", "鈴木", ("Yumi",), ("Suzuki",)),
    ("민준", "김", ("Minjun", "Min-jun"), ("Kim",)),
    ("Γιώργος", "Παπαδόπουλος", ("Giorgos", "George"), ("Papadopoulos",)),
)
GERMAN_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})
PLAIN_FOLD = str.maketrans({"ß": "ss", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae"})


class City(NamedTuple):
    name: str
    state: str
    state_name: str
    zip3: str
    area_codes: tuple[str, ...]
    tax: Decimal


CITIES = (
    City("San Francisco", "CA", "California", "941", ("415", "628"), Decimal("0.08625")),
    City("Los Angeles", "CA", "California", "900", ("213", "310", "323"), Decimal("0.095")),
    City("Brooklyn", "NY", "New York", "112", ("718", "347"), Decimal("0.08875")),
    City("New York", "NY", "New York", "100", ("212", "646"), Decimal("0.08875")),
    City("Chicago", "IL", "Illinois", "606", ("312", "773"), Decimal("0.1025")),
    City("Austin", "TX", "Texas", "787", ("512", "737"), Decimal("0.0825")),
    City("Houston", "TX", "Texas", "770", ("713", "832"), Decimal("0.0825")),
    City("Seattle", "WA", "Washington", "981", ("206",), Decimal("0.1025")),
    City("Portland", "OR", "Oregon", "972", ("503", "971"), Decimal("0")),
    City("Denver", "CO", "Colorado", "802", ("303", "720"), Decimal("0.0881")),
    City("Boston", "MA", "Massachusetts", "021", ("617", "857"), Decimal("0.0625")),
    City("Atlanta", "GA", "Georgia", "303", ("404", "678"), Decimal("0.089")),
    City("Miami", "FL", "Florida", "331", ("305", "786"), Decimal("0.07")),
    City("Phoenix", "AZ", "Arizona", "850", ("602", "480"), Decimal("0.086")),
    City("Minneapolis", "MN", "Minnesota", "554", ("612",), Decimal("0.08025")),
    City("Philadelphia", "PA", "Pennsylvania", "191", ("215", "267"), Decimal("0.08")),
    City("Nashville", "TN", "Tennessee", "372", ("615", "629"), Decimal("0.0925")),
    City("Raleigh", "NC", "North Carolina", "276", ("919", "984"), Decimal("0.0725")),
)
STREETS = ("Oak St", "Maple Ave", "Pine Ridge Rd", "Elm St", "Cedar Ln", "Washington Blvd", "Lake Shore Dr",
           "Hampshire St", "Sunset Blvd", "Mission St", "Valencia St", "Park Ave", "Broadway", "Main St", "2nd Ave",
           "Highland Ave", "Franklin St", "Grove St", "Walnut St", "Chestnut St", "Willow Way", "Magnolia Dr",
           "Hillcrest Rd", "River Rd", "Spring St", "Lincoln Ave", "Jefferson St", "Church St", "Prospect Pl")
PERSONAL_DOMAINS = (("gmail.com", 45), ("yahoo.com", 12), ("icloud.com", 10), ("outlook.com", 8),
                    ("hotmail.com", 8), ("aol.com", 3), ("comcast.net", 3), ("me.com", 2), ("protonmail.com", 2))
DOMAIN_TYPOS = {"gmail.com": ("gmial.com", "gmail.co", "gnail.com", "gmail.con"), "yahoo.com": ("yaho.com", "yahoo.co"),
                "icloud.com": ("icloud.co", "iclod.com"), "outlook.com": ("outlok.com",),
                "hotmail.com": ("hotmal.com",)}
COMPANY_WORDS = (("Summit", "Dental Supply"), ("Harbor", "Physical Therapy"), ("Cedar", "Architects"),
                 ("Blue Fern", "Landscaping"), ("Northgate", "Veterinary"), ("Brightline", "Events"),
                 ("Ironwood", "Construction"), ("Copper Kettle", "Cafe"), ("Meridian", "Law Group"),
                 ("Redtail", "Outfitters"), ("Lakeside", "Montessori"), ("Granite", "Property Management"))
SHARED_INBOXES = ("orders", "purchasing", "office", "accounts", "admin", "info")


class Product(NamedTuple):
    sku: str
    name: str
    price: Decimal
    asin: str


PRODUCTS = tuple(Product(sku, name, Decimal(price), asin) for sku, name, price, asin in (
    ("SOCK-MER-CH-M", "Merino Crew Sock - Charcoal / M", "14.00", "B0C7K5T1LD"),
    ("SOCK-MER-3P-M", "Merino Crew Sock 3-Pack - M", "39.98", "B0C7K5T2LF"),
    ("CAP-TRL-OLV", "Trail Runner Cap - Olive", "26.00", "B0C7K6A9QT"),
    ("RAIN-PCK-NV-L", "Packable Rain Jacket - Navy / L", "80.00", "B0C7K6B2RM"),
    ("RAIN-PCK-BK-M", "Packable Rain Jacket - Black / M", "80.00", "B0C7K6B3RN"),
    ("TOTE-CNV-NAT", "Canvas Tote - Natural", "22.00", "B0C7K8W3NA"),
    ("OUT-115-L", "Ridgeline Softshell Jacket - L", "89.99", "B0C7K2M9QZ"),
    ("FLC-QZ-GRY-S", "Quarter-Zip Fleece - Grey / S", "64.00", "B0C7K9D4FS"),
    ("BNE-WL-RST", "Wool Beanie - Rust", "28.00", "B0C7K9E7BR"),
    ("BTL-INS-750", "Insulated Bottle 750 ml", "32.00", "B0C7KA1V75"),
    ("GLV-LNR-M", "Liner Gloves - M", "19.50", "B0C7KA3GLM"),
    ("PCK-DAY-22", "Daypack 22 L - Slate", "110.00", "B0C7KB2DP2"),
))
TICKET_SUBJECTS = ("Question about sizing", "Discount code not working", "Do you ship to Canada?",
                   "Product question", "Restock date for the rain jacket?", "Care instructions for merino",
                   "Wholesale inquiry", "Return policy")
ORDER_SUBJECTS = ("Where is my order #{n}?", "Order {n} arrived damaged", "Re: Your order #{n} has shipped",
                  "Wrong size in order #{n}", "Please cancel order {n}, I ordered twice",
                  "Return request - order no. {n}", "Missing item from my order #{n}", "#{n} never arrived",
                  "Exchange for order # {n}", "order{n} question")
"""Subjects quoting a store order number (``{n}``), spelt as customers write it."""
AGENTS = ("Luis Ortega", "Priya Nair", "Dana Kim", "Marcus Bell")

# fmt: on
