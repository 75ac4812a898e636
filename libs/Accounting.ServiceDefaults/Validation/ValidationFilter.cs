using Accounting.ServiceDefaults.Errors;
using Accounting.ServiceDefaults.OpenApi;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Accounting.ServiceDefaults.Validation;

public static class ValidationEndpointExtensions
{
    /// <summary>Registers every FluentValidation validator of <paramref name="assembly"/> as a singleton.</summary>
    public static IServiceCollection AddValidators(this IServiceCollection services, System.Reflection.Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        foreach (var type in assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false }))
        {
            foreach (var contract in type.GetInterfaces().Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IValidator<>)))
            {
                services.AddSingleton(contract, type);
            }
        }

        return services;
    }

    /// <summary>
    /// Validates the endpoint's <typeparamref name="TRequest"/> argument with its registered
    /// FluentValidation validator before the handler runs: <c>.Validate&lt;CreateInvoice&gt;()</c>.
    /// </summary>
    public static RouteHandlerBuilder Validate<TRequest>(this RouteHandlerBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.WithMetadata(new ValidatedRequestMetadata(typeof(TRequest)));
        return builder.AddEndpointFilter(async (context, next) =>
        {
            var request = context.Arguments.OfType<TRequest>().FirstOrDefault();
            if (request is null)
            {
                return await next(context);
            }

            var validator = context.HttpContext.RequestServices.GetRequiredService<IValidator<TRequest>>();
            var result = await validator.ValidateAsync(request, context.HttpContext.RequestAborted);
            return result.IsValid
                ? await next(context)
                : ApiError.ValidationFailed([.. result.Errors.Select(e => new FieldError(e.PropertyName, e.ErrorMessage))]);
        });
    }
}
