-- POSTs one 3-line journal entry per request: rent plus input VAT paid from the bank.
-- IDENTITY and the three account ids come from the environment set by run.sh.
local identity = os.getenv("IDENTITY")
local rent, vat, bank = os.getenv("RENT_ACCOUNT"), os.getenv("VAT_ACCOUNT"), os.getenv("BANK_ACCOUNT")

wrk.method = "POST"
wrk.path = "/api/v1/journal-entries"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Internal-Identity"] = identity
wrk.body = string.format(
  '{"date":"2026-05-01","description":"Office rent","currency":"GBP","lines":[' ..
  '{"account_id":"%s","debit":1000.00},{"account_id":"%s","debit":200.00},{"account_id":"%s","credit":1200.00}]}',
  rent, vat, bank)

local failures = 0
function response(status, headers, body)
  if status ~= 201 then
    failures = failures + 1
    if failures <= 3 then io.stderr:write("unexpected " .. status .. ": " .. body .. "\n") end
  end
end
