using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Flagger.Infrastructure;

/// <summary>A setting whose value never appears in an error message (keys, tokens, connection strings).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SecretSettingAttribute : Attribute;

/// <summary>Empty, or an absolute <c>http</c>/<c>https</c> URL. Unlike <see cref="UrlAttribute"/>, an empty app setting counts as unset.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class HttpUrlAttribute : ValidationAttribute
{
    public HttpUrlAttribute()
        : base("{0} must be an absolute http or https URL")
    {
    }

    public override bool IsValid(object? value) => value switch
    {
        null => true,
        string text when text.Length == 0 => true,
        string text => Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https",
        Uri uri => uri.IsAbsoluteUri && uri.Scheme is "http" or "https",
        _ => false,
    };
}

/// <summary>Attribute messages that start with the property (<c>{0}</c>), so <see cref="SettingsValidator{T}"/> names the setting.</summary>
public static class Messages
{
    public const string Between = "{0} must be between {1} and {2}";
    public const string Required = "{0} is required";
}

/// <summary>
/// Options bound from an app settings section and checked when the host starts (<c>ValidateOnStart</c>), with
/// errors naming each setting as the user writes it: an environment variable or app setting
/// <c>Section__Name</c>, followed by the value given (<c>Host__RolloutInterval must be a positive duration, got "-5s"</c>).
/// Validation messages of the options classes start with the property name; the name becomes the setting's.
/// </summary>
public static class Settings
{
    /// <summary>How the user writes a setting: <c>Section__Name</c>.</summary>
    public static string Name(string section, string property) => $"{section}__{property}";

    /// <summary>Binds <typeparamref name="T"/> to <paramref name="section"/>, validates its data annotations and <see cref="IValidatableObject"/> rules at start.</summary>
    public static OptionsBuilder<T> AddSettings<T>(this IServiceCollection services, string section)
        where T : class
    {
        services.AddSingleton<IValidateOptions<T>>(provider => new SettingsValidator<T>(section, provider.GetRequiredService<IConfiguration>()));
        return services.AddOptions<T>()
            .Configure<IConfiguration>((options, configuration) => Bind(configuration, section, options))
            .ValidateOnStart();
    }

    /// <summary>Binds and validates now, for settings needed before the service provider exists.</summary>
    /// <exception cref="OptionsValidationException">A value does not convert or breaks a rule.</exception>
    public static T Read<T>(IConfiguration configuration, string section)
        where T : class, new()
    {
        var options = new T();
        Bind(configuration, section, options);
        var result = new SettingsValidator<T>(section, configuration).Validate(Options.DefaultName, options);
        return result.Failed
            ? throw new OptionsValidationException(Options.DefaultName, typeof(T), result.Failures)
            : options;
    }

    /// <summary>
    /// Binds the section, first checking every value converts to its property's type: the binder's own error
    /// (<c>Failed to convert configuration value at 'Host:RolloutInterval'</c>) names neither the setting as
    /// written nor what a valid value looks like.
    /// </summary>
    public static void Bind<T>(IConfiguration configuration, string section, T options)
        where T : class
    {
        var values = configuration.GetSection(section);
        var errors = new List<string>();
        foreach (var property in Properties(typeof(T)))
        {
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            var raw = values[property.Name];
            // Empty is unset for a nullable or reference property (the binder leaves it null), not for a value type.
            var emptyMeansUnset = raw == "" && (!property.PropertyType.IsValueType || type != property.PropertyType);
            if (type == typeof(string) || raw is null || emptyMeansUnset || Converts(type, raw))
            {
                continue;
            }

            var got = property.IsDefined(typeof(SecretSettingAttribute)) ? "" : $", got \"{raw}\"";
            errors.Add($"{Name(section, property.Name)} must be {Expected(type)}{got}");
        }

        if (errors.Count > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(T), errors);
        }

        values.Bind(options);

        // The binder makes "" a relative Uri; an empty app setting (Kubernetes__Server: "") means unset.
        foreach (var property in Properties(typeof(T)).Where(p => p.PropertyType == typeof(Uri) && values[p.Name] == ""))
        {
            property.SetValue(options, null);
        }
    }

    internal static IEnumerable<PropertyInfo> Properties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.GetSetMethod() is not null);

    private static bool Converts(Type type, string raw)
    {
        try
        {
            _ = TypeDescriptor.GetConverter(type).ConvertFromInvariantString(raw);
            return true;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException or NotSupportedException || e.InnerException is FormatException or OverflowException)
        {
            return false;
        }
    }

    private static string Expected(Type type) => type switch
    {
        _ when type == typeof(TimeSpan) => "a duration written [d.]hh:mm:ss[.fff] (00:00:30 is 30 seconds)",
        _ when type == typeof(bool) => "true or false",
        _ when type == typeof(int) || type == typeof(long) => "a whole number",
        _ when type == typeof(double) => "a number",
        _ when type == typeof(Uri) => "a URL",
        _ when type.IsEnum => $"one of {string.Join(", ", Enum.GetNames(type))}",
        _ => $"a {type.Name}",
    };
}

/// <summary>Data annotations and <see cref="IValidatableObject"/> rules of <typeparamref name="T"/>, reported by setting name.</summary>
public sealed class SettingsValidator<T>(string section, IConfiguration configuration) : IValidateOptions<T>
    where T : class
{
    public ValidateOptionsResult Validate(string? name, T options)
    {
        var results = new List<ValidationResult>();
        // Runs the attributes, then (when they all pass) IValidatableObject.Validate.
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);

        return results.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(results.Select(result => Describe(options, result)).Distinct(StringComparer.Ordinal));
    }

    private string Describe(T options, ValidationResult result)
    {
        var message = result.ErrorMessage ?? "is invalid";
        var members = result.MemberNames.ToList();
        if (members.Count != 1 || !message.StartsWith(members[0], StringComparison.Ordinal))
        {
            return message;
        }

        var member = members[0];
        var property = typeof(T).GetProperty(member);
        var value = configuration[$"{section}:{member}"]
            ?? (property is null ? null : Convert.ToString(property.GetValue(options), CultureInfo.InvariantCulture));
        var got = property?.IsDefined(typeof(SecretSettingAttribute)) == true || value is null ? "" : $", got \"{value}\"";
        return $"{Settings.Name(section, member)}{message[member.Length..]}{got}";
    }
}
