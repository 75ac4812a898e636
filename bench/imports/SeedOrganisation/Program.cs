using Accounting.Ledger.Chart;
using Npgsql;

// What the ledger's organisation.created consumer does, without a broker in the way:
//   dotnet run -c Release --project bench/imports/SeedOrganisation -- "<connection string>" <organisation id>
if (args.Length != 2)
{
    await Console.Error.WriteLineAsync("usage: SeedOrganisation <connection string> <organisation id>");
    return 2;
}

await using var connection = new NpgsqlConnection(args[0]);
await connection.OpenAsync();
await using var transaction = await connection.BeginTransactionAsync();
await DefaultChart.SeedAsync(transaction, args[1], CancellationToken.None);
await transaction.CommitAsync();
return 0;
