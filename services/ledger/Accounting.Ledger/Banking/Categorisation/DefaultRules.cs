using System.Text.RegularExpressions;

namespace Accounting.Ledger.Banking.Categorisation;

/// <summary>Which way money moves for a rule to apply.</summary>
public enum Direction
{
    Any,
    MoneyOut,
    MoneyIn,
}

/// <param name="CategorySlug">A category of the default chart (<c>Chart/DefaultChart.cs</c>).</param>
/// <param name="Confidence">How often, for a typical UK small business, a payment matching the rule belongs to that category.</param>
/// <param name="Ambiguous">The payee sells many kinds of things (Amazon, Tesco): one organisation's history says little about the next payment.</param>
public sealed record PayeeRule(string CategorySlug, decimal Confidence, Direction Direction, IReadOnlyList<string> Phrases, bool Ambiguous = false);

public sealed record RuleMatch(PayeeRule Rule, string Phrase);

/// <summary>
/// What a new organisation's common payees are, before it has any history: UK suppliers that
/// mean the same thing for almost every small business (HMRC, AWS, TfL, BT, British Gas…).
/// Confidences were set from what those payees sell, not fitted to the labelled evaluation set.
/// </summary>
public static partial class DefaultRules
{
    public static readonly IReadOnlyList<PayeeRule> All =
    [
        // Tax: HMRC's direct debit references say which tax.
        new("vat_payments", 0.97m, Direction.Any, ["HMRC VAT", "VAT PAYMENT", "VAT RETURN", "HMRC VAT DD", "HMRC SHIPLEY"]),
        new("paye", 0.96m, Direction.MoneyOut, ["HMRC PAYE", "HMRC NI", "HMRC CUMBERNAULD", "PAYE", "HMRC EMPLOYER", "HMRC PAYE NIC"]),
        new("corporation_tax", 0.96m, Direction.MoneyOut, ["HMRC CT", "HMRC CORP TAX", "CORPORATION TAX", "HMRC COTAX", "COTAX", "CORP TAX"]),
        new("vat_payments", 0.6m, Direction.Any, ["HMRC", "H M REVENUE", "HM REVENUE"], Ambiguous: true),

        // Software and subscriptions.
        new("software", 0.96m, Direction.MoneyOut, [
            "AWS", "AMAZON WEB SERVICES", "GOOGLE CLOUD", "GOOGLE WORKSPACE", "GSUITE", "G SUITE", "GOOGLE GSUITE", "MICROSOFT 365", "MICROSOFT OFFICE",
            "OFFICE 365", "MSFT", "AZURE", "ADOBE", "DROPBOX", "SLACK", "ZOOM US", "ZOOM VIDEO", "ZOOM", "ATLASSIAN", "GITHUB", "XERO", "QUICKBOOKS", "INTUIT",
            "FREEAGENT", "MAILCHIMP", "NOTION", "CANVA", "SHOPIFY", "SQUARESPACE", "WIX COM", "HEROKU", "DIGITALOCEAN", "JETBRAINS", "OPENAI", "CHATGPT",
            "1PASSWORD", "LASTPASS", "HUBSPOT", "DOCUSIGN", "FIGMA", "CALENDLY", "TRELLO", "ASANA", "MONDAY COM", "GODADDY", "123 REG", "FASTHOSTS",
            "IONOS", "CLOUDFLARE", "ZENDESK", "INTERCOM", "SAGE SOFTWARE", "SAGE UK", "DEXT", "RECEIPT BANK", "LINKEDIN PREMIUM", "SPOTIFY BUSINESS",
        ]),
        new("software", 0.82m, Direction.MoneyOut, ["GOOGLE", "MICROSOFT", "APPLE COM BILL", "ITUNES", "APPLE COM"], Ambiguous: true),

        // Advertising.
        new("advertising", 0.95m, Direction.MoneyOut, [
            "GOOGLE ADS", "GOOGLE ADWORDS", "FACEBK", "FACEBOOK ADS", "META ADS", "META PLATFORMS", "LINKEDIN ADS", "TWITTER ADS", "X ADS", "TIKTOK ADS",
            "BING ADS", "MICROSOFT ADVERTISING", "YELL COM", "YELL LTD", "CHECKATRADE",
        ]),

        // Telephone and internet.
        new("telephone", 0.94m, Direction.MoneyOut, [
            "BT GROUP", "BT BUSINESS", "BRITISH TELECOM", "BT PLC", "VODAFONE", "EE LIMITED", "EE LTD", "O2", "TELEFONICA", "THREE UK", "HUTCHISON 3G",
            "SKY DIGITAL", "SKY UK", "SKY BROADBAND", "VIRGIN MEDIA", "PLUSNET", "TALKTALK", "GIFFGAFF", "HYPEROPTIC", "ZEN INTERNET", "VONAGE", "RINGCENTRAL",
            "TESCO MOBILE", "ID MOBILE", "LEBARA", "LYCAMOBILE", "COMMUNITY FIBRE", "GIGACLEAR",
        ]),
        new("telephone", 0.9m, Direction.MoneyOut, ["BT", "EE"]),

        // Utilities.
        new("utilities", 0.96m, Direction.MoneyOut, [
            "BRITISH GAS", "EDF", "EDF ENERGY", "E ON", "EON", "EON NEXT", "OCTOPUS ENERGY", "OVO", "OVO ENERGY", "SCOTTISH POWER", "SCOTTISHPOWER", "SSE",
            "BULB", "THAMES WATER", "SEVERN TRENT", "UNITED UTILITIES", "ANGLIAN WATER", "YORKSHIRE WATER", "SOUTHERN WATER", "WESSEX WATER", "WELSH WATER",
            "DWR CYMRU", "NORTHUMBRIAN WATER", "SOUTH WEST WATER", "AFFINITY WATER", "UTILITA", "SHELL ENERGY", "SO ENERGY", "GOOD ENERGY", "NPOWER",
            "OPUS ENERGY", "WATER PLUS", "BUSINESS STREAM", "CASTLE WATER", "TOTALENERGIES GAS",
        ]),

        // Rent and rates.
        new("rent", 0.93m, Direction.MoneyOut, [
            "RENT", "OFFICE RENT", "WEWORK", "REGUS", "IWG", "SPACES", "BUSINESS RATES", "NNDR", "COUNCIL TAX", "LANDLORD", "SERVICE CHARGE RENT", "BRUNTWOOD",
            "WORKSPACE GROUP", "THE OFFICE GROUP", "FORA SPACE", "SPACEPOOL",
        ]),
        new("rent", 0.86m, Direction.MoneyOut, ["COUNCIL", "BOROUGH", "CITY COUNCIL", "DISTRICT COUNCIL"]),

        // Travel.
        new("travel_transport", 0.96m, Direction.MoneyOut, [
            "TFL", "TFL TRAVEL", "TRANSPORT FOR LONDON", "TFL GOV", "TRAINLINE", "LNER", "GWR", "AVANTI", "NATIONAL RAIL", "SOUTHERN RAIL", "SOUTHERN RAILWAY",
            "NORTHERN RAIL", "NORTHERN TRAINS", "SOUTHEASTERN", "THAMESLINK", "SOUTH WESTERN RAILWAY", "SWR", "CROSSCOUNTRY", "TRANSPENNINE", "SCOTRAIL",
            "C2C", "GREATER ANGLIA", "CHILTERN RAILWAYS", "MERSEYRAIL", "ELIZABETH LINE", "ADDISON LEE", "EASYJET", "RYANAIR", "BRITISH AIRWAYS", "BA COM",
            "JET2", "EUROSTAR", "HEATHROW EXPRESS", "GATWICK EXPRESS", "STANSTED EXPRESS", "NATIONAL EXPRESS", "MEGABUS", "STAGECOACH", "ARRIVA", "FIRST BUS",
            "UBER TRIP", "UBER BV", "BOLT EU", "FREENOW", "FREE NOW", "GETT", "LOGANAIR", "VIRGIN ATLANTIC", "LOTHIAN BUSES", "SANTANDER CYCLES",
            "PREMIER INN", "TRAVELODGE", "HOLIDAY INN", "BOOKING COM", "HOTELS COM", "AIRBNB", "IBIS", "HILTON", "MARRIOTT",
        ]),
        new("travel_transport", 0.9m, Direction.MoneyOut, ["UBER"]),

        // Motor.
        new("motor", 0.93m, Direction.MoneyOut, [
            "SHELL", "ESSO", "TEXACO", "BP", "JET", "GULF", "MURCO", "PETROL", "FUEL", "HALFORDS", "KWIK FIT", "KWIKFIT", "RAC", "THE AA", "AA MEMBERSHIP",
            "DVLA", "NCP", "RINGGO", "JUSTPARK", "PAYBYPHONE", "PARKING", "EURO CAR PARKS", "APCOA", "Q PARK", "DART CHARGE", "CONGESTION CHARGE", "ULEZ",
            "MFG", "MOTOR FUEL", "ESSO RE", "BP CONNECT", "SHELL UK", "PODPOINT", "POD POINT", "BP PULSE", "INSTAVOLT", "IONITY", "TESLA SUPERCHARGER",
            "MOT", "NATIONAL TYRES", "ATS EUROMASTER",
        ]),

        // Subsistence and entertainment.
        new("subsistence", 0.88m, Direction.MoneyOut, [
            "PRET", "PRET A MANGER", "STARBUCKS", "COSTA", "COSTA COFFEE", "GREGGS", "CAFFE NERO", "NERO", "ITSU", "WASABI", "LEON", "EAT", "DELIVEROO",
            "UBER EATS", "UBEREATS", "JUST EAT", "JUSTEAT", "MCDONALDS", "SUBWAY", "BURGER KING", "KFC", "TIM HORTONS", "BENUGO", "PAUL UK", "LEON RESTAURANTS",
            "TORTILLA", "CHOPSTIX", "WHSMITH TRAVEL", "BOOTS MEAL DEAL",
        ]),
        new("entertainment", 0.7m, Direction.MoneyOut, [
            "RESTAURANT", "DISHOOM", "NANDOS", "WAGAMAMA", "PIZZA EXPRESS", "PIZZAEXPRESS", "ZIZZI", "CAFE ROUGE", "BILLS RESTAURANT", "HAWKSMOOR", "GAUCHO",
            "WETHERSPOON", "JD WETHERSPOON", "ALL BAR ONE", "BREWDOG", "BAR", "PUB", "ARMS", "TAVERN", "INN", "BRASSERIE", "STEAKHOUSE", "OPENTABLE",
        ], Ambiguous: true),

        // Supermarkets and marketplaces sell everything: a suggestion, never an automatic category.
        new("subsistence", 0.55m, Direction.MoneyOut, [
            "TESCO", "TESCO STORES", "TESCO EXPRESS", "SAINSBURYS", "SAINSBURY", "ASDA", "MORRISONS", "WAITROSE", "ALDI", "LIDL", "CO OP", "COOP", "M&S",
            "MARKS & SPENCER", "MARKS AND SPENCER", "ICELAND", "OCADO", "SPAR", "BUDGENS", "NISA",
        ], Ambiguous: true),
        new("equipment", 0.5m, Direction.MoneyOut, ["AMAZON", "AMZN", "AMAZON CO UK", "AMZN MKTP", "AMAZON MARKETPLACE", "EBAY", "ARGOS"], Ambiguous: true),

        // Office.
        new("stationery", 0.92m, Direction.MoneyOut, [
            "RYMAN", "VIKING", "STAPLES", "OFFICE DEPOT", "VISTAPRINT", "MOO PRINT", "MOO COM", "INSTANTPRINT", "PRINTED COM", "HELLOPRINT", "WHSMITH",
            "ROYAL MAIL", "PARCELFORCE", "POST OFFICE", "PARCEL2GO", "EVRI", "HERMES", "DPD", "ROYAL MAIL GROUP", "CLICK & DROP", "CLICK DROP", "LYRECO",
            "COSTCUTTER OFFICE", "CARTRIDGE PEOPLE", "STINKYINK", "CARTRIDGE",
        ]),
        new("equipment", 0.88m, Direction.MoneyOut, [
            "APPLE STORE", "APPLE RETAIL", "CURRYS", "PC WORLD", "CURRYS PC WORLD", "DELL", "SCAN COMPUTERS", "SCAN COM", "LENOVO", "HP INC", "HP STORE",
            "BOX COM", "OVERCLOCKERS", "CCL COMPUTERS", "MAPLIN", "JOHN LEWIS", "IKEA", "WIGGLE", "EBUYER", "LAPTOPS DIRECT", "BACKMARKET", "BACK MARKET",
        ]),

        // Professional fees.
        new("accountancy", 0.9m, Direction.MoneyOut, ["ACCOUNTANTS", "ACCOUNTANCY", "BOOKKEEPING", "CHARTERED ACCOUNTANTS", "TAX ADVISERS", "PAYROLL BUREAU", "AUDIT"]),
        new("legal", 0.88m, Direction.MoneyOut, ["SOLICITORS", "SOLICITOR", "LAW FIRM", "LEGAL", "LAWYERS", "NOTARY", "COMPANIES HOUSE", "COMPANIESHOUSE", "INTELLECTUAL PROPERTY OFFICE", "IPO GOV"]),

        // Staff.
        new("wages", 0.93m, Direction.MoneyOut, ["SALARY", "SALARIES", "WAGES", "WAGE", "PAYROLL", "NET PAY", "STAFF PAY"]),
        new("subcontractors", 0.9m, Direction.MoneyOut, ["UPWORK", "FIVERR", "PEOPLEPERHOUR", "TOPTAL", "FREELANCER COM", "DEEL", "CONTRACTOR", "SUBCONTRACTOR"]),

        // Finance.
        new("bank_charges", 0.95m, Direction.MoneyOut, [
            "ACCOUNT FEE", "MONTHLY FEE", "MONTHLY ACCOUNT FEE", "SERVICE CHARGE", "SERVICE CHARGES", "COMMISSION", "BANK CHARGES", "CHARGES", "OVERDRAFT",
            "INTEREST CHARGED", "DEBIT INTEREST", "NON STERLING", "NON STERLING TRANSACTION FEE", "FX FEE", "TRANSACTION FEE", "UNPAID ITEM", "CHAPS FEE",
            "STRIPE FEE", "STRIPE FEES", "PAYPAL FEE", "SUMUP FEE", "CARD MACHINE", "WORLDPAY", "BARCLAYCARD COMMERCIAL", "TIDE PLATFORM", "MONZO BUSINESS PRO",
            "STARLING BUSINESS TOOLKIT", "PLAN FEE",
        ]),
        new("insurance", 0.93m, Direction.MoneyOut, [
            "HISCOX", "AVIVA", "AXA", "AXA INSURANCE", "DIRECT LINE", "DIRECT LINE FOR BUSINESS", "SIMPLY BUSINESS", "ZURICH", "ALLIANZ", "INSURANCE", "LV",
            "ADMIRAL", "QDOS", "RSA", "PREMIUM CREDIT", "CLOSE BROTHERS PREMIUM", "MARKEL", "SUPERSCRIPT", "PROFESSIONAL INDEMNITY", "PUBLIC LIABILITY",
        ]),
        new("loan_repayments", 0.92m, Direction.MoneyOut, [
            "LOAN", "LOAN REPAYMENT", "FUNDING CIRCLE", "IWOCA", "BOUNCE BACK", "BBL", "BOUNCEBACK", "CBILS", "CAPITAL REPAYMENT", "YOULEND", "LIBERIS",
            "ESME LOANS", "MARKETFINANCE",
        ]),

        // Money in.
        new("interest_received", 0.96m, Direction.MoneyIn, ["INTEREST", "GROSS INTEREST", "CREDIT INTEREST", "INTEREST PAID", "INT PAID"]),
        new("sales", 0.93m, Direction.MoneyIn, [
            "STRIPE", "STRIPE PAYMENTS", "STRIPE PAYOUT", "SUMUP", "SUMUP PAYMENTS", "ZETTLE", "IZETTLE", "SQUARE", "SQ", "GOCARDLESS", "PAYPAL TRANSFER",
            "SHOPIFY PAYMENTS", "SHOPIFY PAYOUT", "AMAZON PAYMENTS", "AMAZON EU", "ETSY", "EBAY PAYOUT", "WORLDPAY", "TAKEPAYMENTS", "DOJO", "PAYMENTSENSE",
            "TIDE CARD READER", "TAP TO PAY",
        ]),
        new("sales", 0.9m, Direction.MoneyIn, ["INVOICE", "INV"]),
        new("other_income", 0.86m, Direction.MoneyIn, ["GRANT", "INNOVATE UK", "R&D TAX CREDIT", "RD TAX CREDIT", "REFUND", "CASHBACK", "REBATE"]),
        new("funds_introduced", 0.8m, Direction.MoneyIn, ["DIRECTORS LOAN", "DIRECTOR LOAN", "DLA", "CAPITAL INTRODUCED", "OWNER CONTRIBUTION"]),
        new("drawings", 0.85m, Direction.MoneyOut, ["DRAWINGS", "DIVIDEND", "DIVIDENDS", "DIRECTORS LOAN", "DIRECTOR LOAN", "DLA"]),
    ];

    // Phrases by their first word, longest first: "AMAZON WEB SERVICES" must win over "AMAZON".
    private static readonly Dictionary<string, (string[] Words, RuleMatch Match)[]> PhrasesByFirstWord =
        All.SelectMany(rule => rule.Phrases.Select(phrase => (Words: phrase.Split(' '), Match: new RuleMatch(rule, phrase))))
            .GroupBy(p => p.Words[0], StringComparer.Ordinal)
            .ToDictionary(
                g => g.Key,
                g => g.OrderByDescending(p => p.Match.Phrase.Length).ThenByDescending(p => p.Match.Rule.Confidence).ToArray(),
                StringComparer.Ordinal);

    /// <summary>
    /// The most specific rule naming the payee, or null: a payee that sells one thing beats a marketplace
    /// ("AWS … AMAZON CO UK" is AWS), then the longest phrase wins ("GOOGLE ADS" over "GOOGLE").
    /// </summary>
    public static RuleMatch? Match(string description, bool moneyIn)
    {
        ArgumentNullException.ThrowIfNull(description);
        var words = NonWord().Replace(description.ToUpperInvariant(), " ").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        RuleMatch? best = null;
        for (var i = 0; i < words.Length; i++)
        {
            if (!PhrasesByFirstWord.TryGetValue(words[i], out var candidates))
            {
                continue;
            }

            foreach (var (phrase, match) in candidates)
            {
                if (Applies(match.Rule.Direction, moneyIn) && StartsAt(words, i, phrase))
                {
                    best = best is null || MoreSpecific(match, best) ? match : best;
                    break;
                }
            }
        }

        return best;
    }

    private static bool MoreSpecific(RuleMatch candidate, RuleMatch best) =>
        candidate.Rule.Ambiguous != best.Rule.Ambiguous ? !candidate.Rule.Ambiguous : candidate.Phrase.Length > best.Phrase.Length;

    private static bool Applies(Direction direction, bool moneyIn) =>
        direction == Direction.Any || (direction == Direction.MoneyIn) == moneyIn;

    private static bool StartsAt(string[] words, int start, string[] phrase)
    {
        if (start + phrase.Length > words.Length)
        {
            return false;
        }

        for (var j = 1; j < phrase.Length; j++)
        {
            if (!string.Equals(words[start + j], phrase[j], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    [GeneratedRegex(@"[^A-Z0-9&]+")]
    private static partial Regex NonWord();
}
