package dupex.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dupex.dedupe.DedupeListener;
import dupex.linux.BytePath;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The JSON summary's list of changes: merged where ranges follow each other, kept out of memory, names as bytes. */
class AuditTrailTest {
  @Test
  void changesAreMergedKeptInAFileAndStreamedIntoTheJson() throws Exception {
    BytePath latin1 = BytePath.of(new byte[] {'/', 'd', '/', 'c', 'a', 'f', (byte) 0xe9}); // not UTF-8
    BytePath src = BytePath.of("/d/source");
    AuditTrail trail = new AuditTrail(null, true);
    int n = 200_000;
    for (int i = 0; i < n; i++) {
      BytePath p = BytePath.of("/d/f" + i);
      trail.add("fs", new DedupeListener.Change("dedupe", p, 0, 4096, src, 0));
      trail.add("fs", new DedupeListener.Change("dedupe", p, 4096, 4096, src, 4096)); // follows: merged
    }
    trail.add("fs", new DedupeListener.Change("rewrite", latin1, 8192, 4096, null, 0));
    try (AuditTrail.Changes changes = trail.take()) {
      assertEquals(n + 1, changes.size());
      JsonNode json = Json.MAPPER.readTree(Json.MAPPER.writeValueAsString(
          new FsRun("fs", "xfs", List.of(src), java.nio.file.Path.of("/i"), null, null, changes)));
      JsonNode list = json.get("changes");
      assertEquals(n + 1, list.size());
      assertEquals(Json.MAPPER.readTree("{\"action\":\"dedupe\",\"path\":\"/d/f7\",\"offset\":0,\"length\":8192,"
          + "\"source\":\"/d/source\",\"sourceOffset\":0}"), list.get(7));
      JsonNode last = list.get(n);
      assertEquals(latin1, BytePath.fromJsonString(last.get("path").asText()), "the name's bytes, as they are");
      assertEquals(false, last.has("source"));
      List<String> again = new ArrayList<>();
      Json.MAPPER.readTree(Json.MAPPER.writeValueAsString(changes)).forEach(c -> again.add(c.toString()));
      assertEquals(n + 1, again.size(), "read again as often as it is written");
    }
    try (AuditTrail.Changes next = trail.take()) {
      assertEquals(0, next.size(), "the next filesystem's run starts empty");
    }
  }
}
