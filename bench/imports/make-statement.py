#!/usr/bin/env python3
"""Writes a CSV bank statement of N rows (default 50,000) in a UK bank's layout to stdout.

Usage: make-statement.py [rows] [seed]
Payees, amounts and dates vary like a small business's current account over two years, so the
categoriser and duplicate detection do real work; the output is deterministic (seeded, 12 unless given).
"""
import random
import sys
from datetime import date, timedelta

rows = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 12)
payees = [
    ("AMAZON WEB SERVICES AWS.AMAZON.CO", -45.99, 400), ("TFL TRAVEL CH TFL.GOV.UK/CP", -3.20, 20), ("TESCO STORES {n}", -23.17, 60),
    ("PRET A MANGER {n} LONDON", -6.45, 8), ("HMRC VAT", -2450.00, 1500), ("BRITISH GAS", -64.00, 30), ("GOOGLE *WORKSPACE", -11.88, 5),
    ("MICROSOFT*365 MSBILL.INFO", -9.99, 3), ("VODAFONE LTD", -38.00, 10), ("OCTOPUS ENERGY REF A-{n}", -95.00, 40),
    ("NORTHWIND TRADERS INV-{n}", 1250.00, 900), ("CONTOSO LTD", 1500.00, 1000), ("STAPLES {n}", -18.40, 15), ("SHELL {n}", -62.10, 20),
    ("ZOOM.US 888-799-9666", -13.99, 2), ("ADOBE *CREATIVE CLOUD", -29.99, 1), ("ROYAL MAIL {n}", -7.85, 4), ("UBER *TRIP {n}", -14.20, 9),
]
start = date(2025, 1, 1)
out = sys.stdout
out.write("Date,Description,Reference,Paid out,Paid in,Balance\r\n")
balance = 10_000.0
for i in range(rows):
    description, typical, spread = rng.choice(payees)
    amount = round(typical + rng.uniform(-spread, spread) * (1 if typical > 0 else 0.5), 2)
    if (typical < 0) != (amount < 0) or amount == 0:
        amount = typical
    balance += amount
    day = start + timedelta(days=i * 730 // rows)
    paid_out = f"£{-amount:,.2f}" if amount < 0 else ""
    paid_in = f"£{amount:,.2f}" if amount > 0 else ""
    out.write(f'{day:%d/%m/%Y},{description.format(n=rng.randint(100, 999))},REF{i:06d},"{paid_out}","{paid_in}","£{balance:,.2f}"\r\n')
