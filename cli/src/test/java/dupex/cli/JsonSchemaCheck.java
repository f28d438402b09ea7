package dupex.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Every JSON document a test reads from dupex is checked against the schema in the repository
 * (schema/dupex-2.schema.json), so the schema and the output cannot drift apart.
 */
final class JsonSchemaCheck {
  static final Path FILE = Path.of(System.getProperty("user.dir")).getParent().resolve("schema/dupex-2.schema.json");
  private static Schema schema;

  private JsonSchemaCheck() {}

  private static synchronized Schema schema() throws Exception {
    if (schema == null) {
      try (InputStream in = Files.newInputStream(FILE)) {
        schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(in);
      }
    }
    return schema;
  }

  /** Parses dupex's JSON output and checks it against the schema; fails with every violation. */
  static JsonNode parse(String text) throws Exception {
    JsonNode node = new ObjectMapper().readTree(text);
    List<Error> errors = schema().validate(node);
    if (!errors.isEmpty()) throw new AssertionError("output does not match " + FILE.getFileName() + ": " + errors + "\n" + text);
    return node;
  }
}
