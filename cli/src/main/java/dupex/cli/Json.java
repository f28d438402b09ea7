package dupex.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import dupex.linux.BytePath;
import dupex.scanner.SkipReason;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The JSON form of dupex's results (schema dupex/2, schema/dupex-2.schema.json): records serialised by Jackson, paths as strings (file names
 * that are not UTF-8 with each such byte b as the lone surrogate U+DC00 + b, as Python's surrogateescape: lossless), skip
 * reasons in lower case ("too_small"), parts of a result that did not happen left out rather than null.
 */
final class Json {
  static final String SCHEMA = "dupex/2";
  static final ObjectMapper MAPPER = mapper();

  private Json() {}

  /** {@code value} as JSON on one line (the summary on stdout is indented; stored and logged JSON is not). */
  static String line(Object value) throws com.fasterxml.jackson.core.JsonProcessingException {
    return MAPPER.writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT).writeValueAsString(value);
  }

  /**
   * JSON's standard escapes, plus every UTF-16 surrogate as a JSON \\u escape: a name byte that is not UTF-8 is a lone
   * surrogate (see {@link BytePath#toJsonString}) that no output encoding could carry; escaped, it survives any.
   */
  private static final class SurrogateEscapes extends CharacterEscapes {
    private final int[] ascii = standardAsciiEscapesForJSON();

    @Override
    public int[] getEscapeCodesForAscii() {
      return ascii;
    }

    @Override
    public SerializableString getEscapeSequence(int ch) {
      if (ch < 0xD800 || ch > 0xDFFF) return null;
      return new SerializedString(String.format(Locale.ROOT, "\\u%04x", ch));
    }
  }

  private static ObjectMapper mapper() {
    SimpleModule dupex = new SimpleModule("dupex");
    dupex.addSerializer(Path.class, ToStringSerializer.instance);
    dupex.addSerializer(BytePath.class, new JsonSerializer<>() {
      @Override
      public void serialize(BytePath value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
        gen.writeString(value.toJsonString());
      }
    });
    dupex.addKeySerializer(BytePath.class, new JsonSerializer<>() {
      @Override
      public void serialize(BytePath value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
        gen.writeFieldName(value.toJsonString());
      }
    });
    dupex.addKeySerializer(SkipReason.class, new JsonSerializer<>() {
      @Override
      public void serialize(SkipReason value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
        gen.writeFieldName(value.name().toLowerCase(Locale.ROOT));
      }
    });
    ObjectMapper mapper = new ObjectMapper();
    mapper.getFactory().setCharacterEscapes(new SurrogateEscapes());
    return mapper.registerModule(dupex).setSerializationInclusion(JsonInclude.Include.NON_NULL)
        .enable(SerializationFeature.INDENT_OUTPUT).disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  }
}
