package dupex.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * Writes a report as one self-contained HTML page: the page (resource report.html: its own CSS and script, a
 * treemap drawn as SVG, nothing fetched from anywhere) with the runs' results embedded as JSON.
 */
final class HtmlReport {
  private HtmlReport() {}

  static void write(Path file, List<FsRun> runs, Instant started) throws CliException {
    String page;
    try (InputStream in = HtmlReport.class.getResourceAsStream("report.html")) {
      page = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException | NullPointerException e) {
      throw new CliException(ExitCode.SOFTWARE, "the HTML report's page is missing from the jar", e);
    }
    ObjectNode data = Json.MAPPER.createObjectNode();
    data.put("schema", Json.SCHEMA);
    data.put("version", Main.version());
    data.put("command", "report");
    data.put("startedAt", started.toString());
    data.set("filesystems", Json.MAPPER.valueToTree(runs.stream().map(FsRun::withoutChanges).toList())); // the page shows no changes
    String json;
    try {
      // Inside <script>, "</script>" or "<!--" in a path must not end it: '<' is written as \u003c.
      json = Json.line(data).replace("<", "\\u003c");
    } catch (JsonProcessingException e) {
      throw new CliException(ExitCode.SOFTWARE, "cannot write the report's data: " + e.getMessage(), e);
    }
    String html = page.replace("__DUPEX_DATA__", json);
    AtomicFile.write(file, html, "rw-------", "the HTML report");
  }
}
