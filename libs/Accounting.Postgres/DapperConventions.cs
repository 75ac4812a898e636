using System.Data;
using Dapper;

namespace Accounting.Postgres;

/// <summary>How rows map to C# across the platform, set once per process.</summary>
public static class DapperConventions
{
    private static int applied;

    public static void Apply()
    {
        if (Interlocked.Exchange(ref applied, 1) == 1)
        {
            return;
        }

        // Columns are snake_case, members PascalCase: event_id fills EventId.
        DefaultTypeMap.MatchNamesWithUnderscores = true;
        SqlMapper.AddTypeHandler(new UtcDateTimeOffsetHandler());
        SqlMapper.AddTypeHandler(new TextArrayHandler());
        SqlMapper.AddTypeHandler(new DateOnlyHandler());
    }

    /// <summary>Npgsql reads text[] as string[] but reports the column as Array, which Dapper will not match to a constructor without this.</summary>
    private sealed class TextArrayHandler : SqlMapper.TypeHandler<string[]>
    {
        public override void SetValue(IDbDataParameter parameter, string[]? value) => parameter.Value = value;

        public override string[] Parse(object value) => (string[])value;
    }

    /// <summary>Npgsql reads date as DateTime; records declare DateOnly, which is what a calendar date is.</summary>
    private sealed class DateOnlyHandler : SqlMapper.TypeHandler<DateOnly>
    {
        public override void SetValue(IDbDataParameter parameter, DateOnly value) => parameter.Value = value;

        public override DateOnly Parse(object value) => value switch
        {
            DateTime dateTime => DateOnly.FromDateTime(dateTime),
            DateOnly date => date,
            _ => throw new DataException($"Cannot read {value.GetType().Name} as a date."),
        };
    }

    /// <summary>
    /// Npgsql reads timestamptz as a UTC DateTime; the API speaks DateTimeOffset. This lets records
    /// declare DateTimeOffset and still be built by Dapper.
    /// </summary>
    private sealed class UtcDateTimeOffsetHandler : SqlMapper.TypeHandler<DateTimeOffset>
    {
        public override void SetValue(IDbDataParameter parameter, DateTimeOffset value) => parameter.Value = value.ToUniversalTime();

        public override DateTimeOffset Parse(object value) => value switch
        {
            DateTime dateTime => new DateTimeOffset(DateTime.SpecifyKind(dateTime, DateTimeKind.Utc)),
            DateTimeOffset offset => offset,
            _ => throw new DataException($"Cannot read {value.GetType().Name} as a timestamp."),
        };
    }
}
