using Accounting.Postgres;
using Accounting.ServiceDefaults.Identity;

namespace Accounting.Ledger.Endpoints;

/// <summary>What every ledger write needs, bound together with <c>[AsParameters]</c>: who asks, the transaction, the clock.</summary>
public sealed record Writes(Caller Caller, WriteTransactions Transactions, TimeProvider Clock);
