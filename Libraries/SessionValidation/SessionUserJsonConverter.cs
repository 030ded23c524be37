using System.Text.Json;
using System.Text.Json.Serialization;
using AspireAuth.ServiceDefaults.Json;

namespace AspireAuth.SessionValidation;

/// <summary>
/// Reads and writes <see cref="SessionUser"/> as Better Auth does: the core fields, then every plugin
/// field (whatever it is: a plugin that is off passes its stored fields through), then <c>id</c>.
/// Hand-written because the generated serializer can only put extra fields after <c>id</c>.
/// </summary>
public sealed class SessionUserJsonConverter : JsonConverter<SessionUser>
{
    private static readonly IsoDateTimeConverter Dates = new();
    private static readonly JsonEncodedText NameProperty = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText EmailProperty = JsonEncodedText.Encode("email");
    private static readonly JsonEncodedText EmailVerifiedProperty = JsonEncodedText.Encode("emailVerified");
    private static readonly JsonEncodedText ImageProperty = JsonEncodedText.Encode("image");
    private static readonly JsonEncodedText CreatedAtProperty = JsonEncodedText.Encode("createdAt");
    private static readonly JsonEncodedText UpdatedAtProperty = JsonEncodedText.Encode("updatedAt");
    private static readonly JsonEncodedText IdProperty = JsonEncodedText.Encode("id");

    public override SessionUser Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("A user must be a JSON object.");
        }

        string? name = null, email = null, image = null, id = null;
        bool emailVerified = false;
        DateTime? createdAt = null, updatedAt = null;
        List<KeyValuePair<string, JsonElement>>? fields = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals(NameProperty.EncodedUtf8Bytes))
            {
                name = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals(EmailProperty.EncodedUtf8Bytes))
            {
                email = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals(EmailVerifiedProperty.EncodedUtf8Bytes))
            {
                reader.Read();
                emailVerified = reader.GetBoolean();
            }
            else if (reader.ValueTextEquals(ImageProperty.EncodedUtf8Bytes))
            {
                image = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals(CreatedAtProperty.EncodedUtf8Bytes))
            {
                reader.Read();
                createdAt = Dates.Read(ref reader, typeof(DateTime), options);
            }
            else if (reader.ValueTextEquals(UpdatedAtProperty.EncodedUtf8Bytes))
            {
                reader.Read();
                updatedAt = Dates.Read(ref reader, typeof(DateTime), options);
            }
            else if (reader.ValueTextEquals(IdProperty.EncodedUtf8Bytes))
            {
                id = ReadString(ref reader);
            }
            else
            {
                var fieldName = reader.GetString()!;
                reader.Read();
                var value = reader.TokenType switch
                {
                    JsonTokenType.True => UserFields.True,
                    JsonTokenType.False => UserFields.False,
                    _ => JsonElement.ParseValue(ref reader),
                };
                (fields ??= []).Add(new(fieldName, value));
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || name is null || email is null || id is null || createdAt is null || updatedAt is null)
        {
            throw new JsonException("A user needs name, email, createdAt, updatedAt and id.");
        }

        return new SessionUser(name, email, emailVerified, image, createdAt.Value, updatedAt.Value, id) { Fields = UserFields.From(fields) };
    }

    public override void Write(Utf8JsonWriter writer, SessionUser value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString(NameProperty, value.Name);
        writer.WriteString(EmailProperty, value.Email);
        writer.WriteBoolean(EmailVerifiedProperty, value.EmailVerified);
        writer.WriteString(ImageProperty, value.Image);
        writer.WritePropertyName(CreatedAtProperty);
        Dates.Write(writer, value.CreatedAt, options);
        writer.WritePropertyName(UpdatedAtProperty);
        Dates.Write(writer, value.UpdatedAt, options);
        foreach (var field in value.Fields.All)
        {
            writer.WritePropertyName(field.Key);
            field.Value.WriteTo(writer);
        }

        writer.WriteString(IdProperty, value.Id);
        writer.WriteEndObject();
    }

    private static string? ReadString(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.Null ? null : reader.GetString();
    }
}
