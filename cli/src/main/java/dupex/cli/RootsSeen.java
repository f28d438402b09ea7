package dupex.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dupex.index.BlockIndex;
import dupex.index.IndexException;
import dupex.linux.BytePath;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The paths an index has been run on, and when each was last run and how (kept in the index's meta as JSON: path ->
 * {lastRun, command, complete}), for status; forget drops them.
 */
final class RootsSeen {
  static final String KEY = "roots";

  private RootsSeen() {}

  static ObjectNode read(BlockIndex idx) throws IndexException {
    try {
      var stored = idx.meta(KEY);
      if (stored.isPresent() && Json.MAPPER.readTree(stored.get()) instanceof ObjectNode o) return o;
    } catch (JsonProcessingException e) {
      // unreadable: start again
    }
    return Json.MAPPER.createObjectNode();
  }

  static void record(BlockIndex idx, List<BytePath> roots, String command, boolean complete, Instant at) throws IndexException {
    ObjectNode all = read(idx);
    for (BytePath r : roots) {
      ObjectNode one = Json.MAPPER.createObjectNode();
      one.put("lastRun", at.toString());
      one.put("command", command);
      one.put("complete", complete);
      all.set(r.toJsonString(), one);
    }
    write(idx, all);
  }

  /** Drops the roots at or below {@code prefix}. */
  static void forget(BlockIndex idx, BytePath prefix) throws IndexException {
    ObjectNode all = read(idx);
    List<String> gone = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = all.fields(); it.hasNext(); ) {
      String key = it.next().getKey();
      try {
        if (BytePath.fromJsonString(key).startsWith(prefix)) gone.add(key);
      } catch (IllegalArgumentException e) {
        gone.add(key);
      }
    }
    if (gone.isEmpty()) return;
    all.remove(gone);
    write(idx, all);
  }

  private static void write(BlockIndex idx, ObjectNode all) throws IndexException {
    try {
      idx.putMeta(KEY, Json.line(all));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("roots that Jackson cannot write", e);
    }
  }
}
