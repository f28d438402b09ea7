package dupex.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import dupex.scanner.SkipReason;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The JSON form of dupex's results (schema dupex/1): records serialised by Jackson, paths as plain strings, skip
 * reasons in lower case ("too_small"), parts of a result that did not happen left out rather than null.
 */
final class Json {
  static final String SCHEMA = "dupex/1";
  static final ObjectMapper MAPPER = mapper();

  private Json() {}

  private static ObjectMapper mapper() {
    SimpleModule dupex = new SimpleModule("dupex");
    dupex.addSerializer(Path.class, ToStringSerializer.instance);
    dupex.addKeySerializer(SkipReason.class, new JsonSerializer<>() {
      @Override
      public void serialize(SkipReason value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
        gen.writeFieldName(value.name().toLowerCase(Locale.ROOT));
      }
    });
    return new ObjectMapper().registerModule(dupex).setSerializationInclusion(JsonInclude.Include.NON_NULL)
        .enable(SerializationFeature.INDENT_OUTPUT).disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  }
}
