#!/usr/bin/env python3
"""Generates the categoriser's labelled set: UK small-business bank transactions as UK banks print them.

    python3 generate_labelled_transactions.py --seed 2026 --out labelled-transactions.tsv   # the committed, held-out set
    python3 generate_labelled_transactions.py --seed 7 --out /tmp/dev.tsv                    # the development set the categoriser was tuned on

Each organisation has its own bank (and so its own description format), its own recurring payees
(a third of them local businesses and people no default rule can know), and its own way of booking
the payees that sell many things (Amazon, Tesco, Pret, HMRC without a reference). Labels are the
category slugs of the default chart. Columns: organisation, date, description, amount, category.
"""
import argparse
import random
from datetime import date, timedelta

# (category, money_in, amount range, kind, [name variants as banks print them]) — kind: card, dd, fp (faster payment), so (standing order)
NATIONAL = [
    ("software", False, (4, 400), "card", [["AWS EMEA", "AMAZON WEB SERVICES", "AWS EMEA AWS.AMAZON.CO"], ["GOOGLE *GSUITE", "GOOGLE WORKSPACE", "GOOGLE*WORKSPACE"],
        ["MSFT *<E0400K7QAB>", "MICROSOFT*365 BUSINESS", "MICROSOFT 365"], ["ADOBE *CREATIVE CLOUD", "ADOBE SYSTEMS SOFTWARE", "ADOBE *ACROPRO SUBS"],
        ["DROPBOX*ABCDEF", "DROPBOX"], ["SLACK T0123ABC", "SLACK TECHNOLOGIES"], ["ZOOM.US 888-799-9666", "ZOOM VIDEO COMMUNICATIONS"], ["XERO UK", "XERO (UK) LTD"],
        ["GITHUB, INC.", "GITHUB"], ["ATLASSIAN", "ATLASSIAN PTY LTD"], ["NOTION LABS", "NOTION.SO"], ["CANVA* I0123-4567", "CANVA PTY LTD"],
        ["MAILCHIMP *MONTHLY", "INTUIT MAILCHIMP"], ["SHOPIFY* 123456789", "SHOPIFY INTERNATIONAL"], ["1PASSWORD", "AGILEBITS 1PASSWORD"],
        ["JETBRAINS", "JETBRAINS S.R.O."], ["OPENAI *CHATGPT SUBSCR", "OPENAI"], ["FIGMA MONTHLY", "FIGMA"], ["HUBSPOT", "HUBSPOT IRELAND"], ["QUICKBOOKS ONLINE", "INTUIT QUICKBOOKS"]]),
    ("advertising", False, (20, 900), "card", [["GOOGLE ADS 1234567890", "GOOGLE*ADS1234567"], ["FACEBK *ABCD1234", "FACEBK ADS", "META ADS"],
        ["LINKEDIN ADS", "LINKEDIN *ADS 12345"], ["YELL LIMITED", "YELL.COM"], ["CHECKATRADE.COM", "CHECKATRADE"]]),
    ("telephone", False, (15, 120), "dd", [["BT GROUP PLC", "BT BUSINESS"], ["VODAFONE LTD", "VODAFONE UK"], ["EE LIMITED", "EE LTD"], ["O2 UK", "TELEFONICA UK (O2)"],
        ["VIRGIN MEDIA", "VIRGIN MEDIA PYMTS"], ["PLUSNET PLC", "PLUSNET"], ["SKY DIGITAL", "SKY UK LIMITED"], ["TALKTALK LTD", "TALKTALK"], ["HYPEROPTIC LTD", "HYPEROPTIC"],
        ["GIFFGAFF", "GIFFGAFF LTD"], ["THREE UK", "HUTCHISON 3G UK"]]),
    ("utilities", False, (30, 450), "dd", [["BRITISH GAS", "BRITISH GAS BUSINESS"], ["EDF ENERGY", "EDF ENERGY CUSTOMERS"], ["OCTOPUS ENERGY", "OCTOPUS ENERGY LTD"],
        ["E.ON NEXT", "EON NEXT", "E.ON ENERGY"], ["OVO ENERGY", "OVO"], ["SCOTTISH POWER", "SCOTTISHPOWER"], ["THAMES WATER", "THAMES WATER UTILITI"],
        ["SEVERN TRENT WATER", "SEVERN TRENT"], ["UNITED UTILITIES", "UNITED UTILITIES W"], ["ANGLIAN WATER", "ANGLIAN WATER SERV"], ["WATER PLUS", "WATER PLUS LTD"],
        ["SSE ENERGY", "SSE"], ["NPOWER BUSINESS", "NPOWER"]]),
    ("rent", False, (400, 3500), "so", [["WEWORK UK", "WEWORK"], ["REGUS MANAGEMENT", "REGUS"], ["BUSINESS RATES", "LBH BUSINESS RATES", "LEEDS CITY COUNCIL NNDR"],
        ["MANCHESTER CITY COUNCIL", "BRISTOL CITY COUNCIL"], ["OFFICE RENT", "RENT"]]),
    ("travel_transport", False, (2, 350), "card", [["TFL TRAVEL CH", "TFL.GOV.UK/CP", "TRANSPORT FOR LONDON"], ["TRAINLINE", "TRAINLINE.COM", "TRAINLINE.COM LTD"],
        ["LNER", "LNER LTD"], ["GWR", "GWR ONLINE"], ["AVANTI WEST COAST", "AVANTI"], ["UBER *TRIP", "UBER TRIP HELP.UBER.COM", "UBER BV"], ["ADDISON LEE"],
        ["EASYJET", "EASYJET 0123ABC"], ["RYANAIR", "RYANAIR LTD"], ["BRITISH AIRWAYS", "BRITISH A 1252345678901"], ["EUROSTAR INTERNATIONAL", "EUROSTAR"],
        ["PREMIER INN", "PREMIER INN 44012345"], ["TRAVELODGE", "TRAVELODGE UK"], ["NATIONAL EXPRESS", "NATIONAL EXPRESS LTD"], ["SOUTHEASTERN", "SOUTHEASTERN RAIL"],
        ["NORTHERN TRAINS", "NORTHERN RAIL"], ["HEATHROW EXPRESS"], ["BOLT.EU/R/2401", "BOLT EU"]]),
    ("motor", False, (10, 120), "card", [["SHELL", "SHELL WOODFORD", "SHELL UK OIL"], ["BP", "BP CONNECT", "BP HAMMERSMITH"], ["ESSO", "ESSO RE FLYOVER"],
        ["TEXACO", "TEXACO LONDON"], ["HALFORDS", "HALFORDS 0123"], ["KWIK FIT", "KWIK-FIT"], ["RINGGO", "RINGGO PARKING"], ["JUSTPARK", "JUSTPARK LTD"],
        ["NCP LTD", "NCP CAR PARK"], ["PAYBYPHONE", "PAYBYPHONE UK"], ["DVLA-AB12CDE", "DVLA VEHICLE TAX"], ["RAC MOTORING", "RAC"], ["DART-CHARGE", "DART CHARGE"],
        ["POD POINT", "BP PULSE"]]),
    ("subsistence", False, (3, 25), "card", [["PRET A MANGER", "PRET A MANGER 123"], ["STARBUCKS", "STARBUCKS 12345"], ["COSTA COFFEE", "COSTA COFFEE 43011"],
        ["GREGGS", "GREGGS PLC"], ["CAFFE NERO", "NERO"], ["ITSU", "ITSU - VICTORIA"], ["LEON", "LEON RESTAURANTS"], ["DELIVEROO", "DELIVEROO.CO.UK"],
        ["UBER EATS", "UBER * EATS PENDING"], ["JUST EAT", "JUST EAT.CO.UK LTD"], ["MCDONALDS", "MCDONALDS 1234"], ["SUBWAY", "SUBWAY 41234"], ["WASABI", "WASABI SUSHI"]]),
    ("stationery", False, (4, 150), "card", [["RYMAN", "RYMAN LTD"], ["VIKING DIRECT", "VIKING"], ["STAPLES", "STAPLES UK"], ["VISTAPRINT", "VISTAPRINT.CO.UK"],
        ["MOO PRINT", "MOO.COM"], ["ROYAL MAIL", "ROYAL MAIL GROUP LTD", "ROYALMAIL CLICK&DROP"], ["POST OFFICE", "POST OFFICE COUNTER"], ["WHSMITH", "WH SMITH"],
        ["INSTANTPRINT", "INSTANTPRINT.CO.UK"], ["PARCEL2GO", "PARCEL2GO.COM"], ["EVRI", "EVRI PARCELS"]]),
    ("equipment", False, (50, 2500), "card", [["APPLE STORE", "APPLE STORE R245"], ["CURRYS PC WORLD", "CURRYS", "PC WORLD"], ["DELL CORPORATION", "DELL"],
        ["SCAN COMPUTERS", "SCAN.CO.UK"], ["JOHN LEWIS", "JOHN LEWIS 1234"], ["IKEA", "IKEA LTD"], ["EBUYER", "EBUYER UK"], ["LENOVO UK", "LENOVO"]]),
    ("insurance", False, (15, 300), "dd", [["HISCOX", "HISCOX INSURANCE"], ["AVIVA", "AVIVA INSURANCE"], ["AXA INSURANCE", "AXA"], ["SIMPLY BUSINESS", "SIMPLY BUSINESS INS"],
        ["DIRECT LINE FOR BUSINESS", "DIRECT LINE"], ["ZURICH INSURANCE", "ZURICH"], ["PREMIUM CREDIT LTD", "PREMIUM CREDIT"], ["QDOS CONTRACTOR", "QDOS"]]),
    ("bank_charges", False, (1, 40), "fee", [["ACCOUNT FEE", "MONTHLY ACCOUNT FEE"], ["SERVICE CHARGES", "COMMISSION CHARGES"], ["NON-STERLING TRANSACTION FEE", "NON STERLING FEE"],
        ["STRIPE FEES", "STRIPE FEE"], ["OVERDRAFT INTEREST", "DEBIT INTEREST"], ["PLAN FEE", "MONZO BUSINESS PRO"]]),
    ("loan_repayments", False, (150, 1200), "dd", [["FUNDING CIRCLE", "FUNDING CIRCLE LTD"], ["IWOCA", "IWOCA LTD"], ["BOUNCE BACK LOAN", "BBL REPAYMENT"],
        ["LOAN REPAYMENT", "CAPITAL REPAYMENT"]]),
    ("vat_payments", False, (500, 9000), "dd", [["HMRC VAT", "HMRC VAT 123456789"], ["HMRC SHIPLEY", "HMRC VAT DD"]]),
    ("paye", False, (300, 6000), "fp", [["HMRC PAYE", "HMRC PAYE 123PA00123456"], ["HMRC CUMBERNAULD", "HMRC NI"]]),
    ("corporation_tax", False, (800, 15000), "fp", [["HMRC CORP TAX", "HMRC COTAX"], ["HMRC CT 1234567890A00101"]]),
    ("interest_received", True, (0.05, 40), "credit", [["GROSS INTEREST", "CREDIT INTEREST"], ["INTEREST PAID", "INTEREST"]]),
    ("sales", True, (30, 4000), "payout", [["STRIPE PAYMENTS UK", "STRIPE", "STRIPE PAYOUT"], ["SUMUP PAYMENTS", "SUMUP"], ["ZETTLE", "IZETTLE PAYOUT"],
        ["GOCARDLESS", "GOCARDLESS LTD"], ["SHOPIFY PAYMENTS", "SHOPIFY PAYOUT"], ["SQUARE", "SQ PAYOUT"]]),
    ("subcontractors", False, (100, 2000), "card", [["UPWORK -123456789", "UPWORK"], ["FIVERR", "FIVERR INTERNATIONAL"], ["PEOPLEPERHOUR", "PEOPLEPERHOUR.COM"]]),
    ("legal", False, (13, 900), "card", [["COMPANIES HOUSE", "COMPANIESHOUSE.GOV.UK"], ["INTELLECTUAL PROPERTY OFFICE", "IPO.GOV.UK"]]),
]

# Payees that sell many things: each organisation books them its own way.
AMBIGUOUS = [
    (["stationery", "equipment", "stock_purchases", "office"], (5, 300), "card", ["AMAZON.CO.UK", "AMZN MKTP UK*2K4L31", "AMAZON.CO.UK*AB12CD34E", "AMZNMKTPLACE"]),
    (["subsistence", "entertainment", "office", "stock_purchases"], (3, 120), "card", ["TESCO STORES 3412", "TESCO EXPRESS", "TESCO STORES 2091"]),
    (["subsistence", "office", "entertainment"], (3, 90), "card", ["SAINSBURYS S/MKTS", "SAINSBURY'S", "SAINSBURYS LOCAL"]),
    (["subsistence", "office"], (3, 60), "card", ["WAITROSE 123", "WAITROSE"]),
    (["subsistence", "entertainment"], (3, 40), "card", ["M&S SIMPLY FOOD", "M&S"]),
    (["entertainment", "subsistence"], (25, 400), "card", ["DISHOOM COVENT GARDEN", "NANDOS", "WAGAMAMA", "PIZZA EXPRESS", "HAWKSMOOR", "ALL BAR ONE", "BREWDOG"]),
    (["software", "equipment"], (1, 1500), "card", ["APPLE.COM/BILL", "APPLE.COM/UK"]),
    (["vat_payments", "paye", "corporation_tax"], (300, 9000), "fp", ["HMRC", "H M REVENUE & CUSTOMS"]),
    (["equipment", "stationery", "stock_purchases"], (10, 400), "card", ["ARGOS", "ARGOS LTD", "EBAY O*12-34567-89012"]),
    (["repairs", "stock_purchases"], (10, 500), "card", ["SCREWFIX", "SCREWFIX DIRECT", "TOOLSTATION", "B&Q", "WICKES"]),
    (["software", "advertising"], (5, 300), "card", ["GOOGLE*SERVICES", "GOOGLE"]),
]

SURNAMES = ["SMITH", "JONES", "TAYLOR", "BROWN", "WILLIAMS", "WILSON", "JOHNSON", "DAVIES", "PATEL", "WRIGHT", "EVANS", "THOMAS", "ROBERTS", "WALKER",
            "KHAN", "HUGHES", "EDWARDS", "GREEN", "HALL", "WOOD", "HARRIS", "CLARKE", "MARTIN", "JACKSON", "THOMPSON", "WHITE", "COOPER", "MORGAN", "SINGH",
            "BAKER", "AHMED", "MURPHY", "KELLY", "OWEN", "ALI", "MOORE", "LEE", "WARD", "HUSSAIN", "PRICE", "BELL", "FOSTER"]
WORDS = ["NORTHWIND", "OAKLEY", "BRIGHTSIDE", "KESTREL", "HARBOUR", "PENNINE", "MERIDIAN", "ASHDOWN", "BLUEBELL", "CASTLEGATE", "RIVERSIDE", "SUMMIT",
         "ELMFIELD", "REDWOOD", "FALCON", "GREENWAY", "HIGHGATE", "LINDEN", "MARLOW", "QUAYSIDE", "THAMES VALLEY", "WESTBURY", "YORKSHIRE", "ORCHARD"]
TRADES = [("repairs", "PLUMBING"), ("repairs", "ELECTRICAL"), ("repairs", "MAINTENANCE"), ("repairs", "BUILDERS"), ("office", "CLEANING SERVICES"),
          ("accountancy", "ACCOUNTANTS"), ("accountancy", "BOOKKEEPING"), ("legal", "SOLICITORS"), ("legal", "LAW"), ("stock_purchases", "WHOLESALE"),
          ("stock_purchases", "SUPPLIES"), ("stock_purchases", "TRADING"), ("advertising", "MEDIA"), ("advertising", "DESIGN"), ("subcontractors", "CONSULTING"),
          ("rent", "PROPERTIES"), ("rent", "ESTATES")]
CITIES = ["LONDON", "MANCHESTER", "LEEDS", "BRISTOL", "BIRMINGHAM", "GLASGOW", "EDINBURGH", "CARDIFF", "NOTTINGHAM", "SHEFFIELD", "LIVERPOOL", "READING"]
MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]


def ref(r):
    return "".join(r.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(r.randint(6, 12)))


def describe(r, bank, payee, kind, day, amount, money_in):
    """The description as this bank prints it."""
    city = r.choice(CITIES)
    dmy = day.strftime("%d/%m/%Y")
    dd_mon = f"{day.day:02d}{MONTHS[day.month - 1]}"
    if bank == "barclays":
        if kind == "card":
            return r.choice([f"CARD PAYMENT TO {payee} ON {day.strftime('%d-%m-%Y')}", f"{payee} {city} BCC", f"CONTACTLESS {payee} ON {dd_mon}"])
        if kind in ("dd", "fee"):
            return f"{payee} DDR" if kind == "dd" else payee
        if kind in ("fp", "so"):
            return r.choice([f"{payee} FT {ref(r)}", f"{payee} STO"])
        return f"{payee} BGC {ref(r)}" if money_in else payee
    if bank == "hsbc":
        if kind == "card":
            return r.choice([f"VIS {payee} {city}", f"))) {payee} {city}", f"VIS INT'L 0012345678 {payee}"])
        if kind == "dd":
            return f"DD {payee}"
        if kind in ("fp", "so"):
            return r.choice([f"OBP {payee} REF {ref(r)}", f"SO {payee}"])
        return f"CR {payee} {ref(r)}" if money_in else payee
    if bank == "lloyds":
        if kind == "card":
            return f"{payee} CD {r.randint(1000, 9999)} {dd_mon}"
        if kind == "dd":
            return f"{payee} {ref(r)} DD"
        if kind in ("fp", "so"):
            return f"{payee} {ref(r)} FPO" if not money_in else f"{payee} FPI"
        return f"{payee} {ref(r)} FPI" if money_in else payee
    if bank == "natwest":
        if kind == "card":
            return f"{r.randint(1000, 9999)} {day.strftime('%d%b%y').upper()} {payee} {city} GB"
        if kind == "dd":
            return f"{payee} {ref(r)} DDR"
        if kind in ("fp", "so"):
            return f"{payee} {ref(r)} FP {day.strftime('%d/%m/%y')} {r.randint(10, 99)}"
        return f"{payee} {ref(r)} BAC" if money_in else payee
    if bank == "santander":
        if kind == "card":
            return f"CARD PAYMENT TO {payee},{amount:.2f} GBP, RATE 1.00/GBP ON {dmy}"
        if kind == "dd":
            return f"DIRECT DEBIT PAYMENT TO {payee} REF {ref(r)}, MANDATE NO {r.randint(10, 99)}"
        if kind in ("fp", "so"):
            return f"FASTER PAYMENTS TO {payee} REF {ref(r)}" if not money_in else f"FASTER PAYMENTS RECEIPT REF{ref(r)} FROM {payee}"
        return f"BANK GIRO CREDIT REF {payee}, {ref(r)}" if money_in else payee
    # monzo / starling: the merchant's own name, mixed case, sometimes with a reference
    pretty = payee.title() if r.random() < 0.6 else payee
    if kind == "card":
        return r.choice([pretty, f"{pretty} {city.title()}", f"{pretty}*{ref(r)}"])
    return r.choice([pretty, f"{pretty} {ref(r)}"])


def organisation(r, index):
    bank = r.choice(["barclays", "hsbc", "lloyds", "natwest", "santander", "monzo", "starling"])
    payees = []  # (category, money_in, (lo, hi), kind, [names], weight)
    for category, money_in, rng, kind, brands in NATIONAL:
        for names in r.sample(brands, k=min(len(brands), r.choice([0, 1, 1, 2]))):
            payees.append((category, money_in, rng, kind, names, r.paretovariate(1.2)))
    for categories, rng, kind, names in r.sample(AMBIGUOUS, k=r.randint(3, 7)):
        payees.append((r.choice(categories), False, rng, kind, names, r.paretovariate(1.2) * 1.5))
    # Local suppliers, people and customers: no rule can know them; only the organisation's history can.
    for _ in range(r.randint(4, 9)):
        category, trade = r.choice(TRADES)
        name = r.choice([f"{r.choice(SURNAMES)} {trade}", f"{r.choice(WORDS)} {trade} LTD", f"{r.choice(SURNAMES)} & SONS {trade}"])
        payees.append((category, False, (60, 2500), r.choice(["fp", "fp", "so", "card"]), [name, name + " LTD" if "LTD" not in name else name], r.paretovariate(1.2)))
    for _ in range(r.randint(2, 5)):
        person = f"{r.choice('ABCDEFGHJKLMNPRST')} {r.choice(SURNAMES)}"
        payees.append(("wages", False, (900, 3500), "fp", [person, f"{person} SALARY", f"{person} WAGES"], 1.5))
    owner = f"{r.choice('ABCDEFGHJKLMNPRST')} {r.choice(SURNAMES)}"
    payees.append(("drawings", False, (200, 3000), "fp", [owner, f"{owner} DRAWINGS"], 1.0))
    payees.append(("funds_introduced", True, (500, 5000), "fp", [owner, f"{owner} DIRECTORS LOAN"], 0.3))
    for _ in range(r.randint(3, 8)):
        customer = r.choice([f"{r.choice(WORDS)} {r.choice(['LTD', 'LIMITED', 'GROUP', 'HOLDINGS', 'PARTNERS LLP'])}", f"{r.choice(SURNAMES)} {r.choice(['LTD', 'AND CO', 'ASSOCIATES'])}"])
        payees.append(("sales", True, (150, 6000), "credit", [customer, f"{customer} INV {r.randint(1000, 9999)}"], r.paretovariate(1.2) * 1.5))
    return bank, payees


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--organisations", type=int, default=24)
    parser.add_argument("--per-organisation", type=int, default=150)
    parser.add_argument("--out", default="labelled-transactions.tsv")
    args = parser.parse_args()
    r = random.Random(args.seed)
    lines = ["organisation\tdate\tdescription\tamount\tcategory"]
    for index in range(args.organisations):
        bank, payees = organisation(r, index)
        weights = [p[5] for p in payees]
        day = date(2025, 1, 1) + timedelta(days=r.randint(0, 60))
        for _ in range(args.per_organisation):
            day += timedelta(days=r.choice([0, 0, 1, 1, 2, 3]))
            category, money_in, (lo, hi), kind, names, _ = r.choices(payees, weights=weights)[0]
            amount = round(r.uniform(lo, hi), 2)
            # Now and then a payee is booked differently from usual (a one-off purchase, a correction).
            if r.random() < 0.03:
                category = r.choice(["office", "equipment", "stationery", "subsistence", "repairs"])
            description = describe(r, bank, r.choice(names), kind, day, amount, money_in)
            lines.append(f"org{index:02d}\t{day.isoformat()}\t{description}\t{amount if money_in else -amount:.2f}\t{category}")
    with open(args.out, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
