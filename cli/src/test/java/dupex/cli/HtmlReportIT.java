package dupex.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dupex.linux.Fixtures;
import dupex.linux.LoopFs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTML report as a browser shows it: headless Chromium loads the page (with the network off) and its DOM must
 * hold the totals, the treemap's rectangles for the directories with the most duplicate bytes, and the ranges.
 */
class HtmlReportIT {
  @TempDir Path tmp;

  @Test
  void theReportIsOneSelfContainedPageThatDrawsTheTreemap() throws Exception {
    LoopFs.requireTool("chromium");
    Path data = Files.createDirectory(tmp.resolve("data"));
    for (int i = 0; i < 3; i++) {
      Fixtures.writeRandom(data.resolve("photos/2024/img" + i + ".jpg"), 10 + i, 2 << 20);
      Fixtures.writeRandom(data.resolve("backup/photos-copy/2024/img" + i + ".jpg"), 10 + i, 2 << 20);
    }
    Fixtures.writeRandom(data.resolve("vm/a.img"), 20, 4 << 20);
    byte[] b = Files.readAllBytes(data.resolve("vm/a.img"));
    b[1 << 20] ^= 1;
    Fixtures.write(data.resolve("backup/vm/b </script><b>.img"), b); // a name that would end a <script> element
    Path html = tmp.resolve("report.html");
    Launcher.Result r = Launcher.run("report", "-q", "--html", html.toString(), "--index", tmp.resolve("index").toString(), data.toString());
    assertEquals(0, r.code(), r.toString());
    String page = Files.readString(html, StandardCharsets.UTF_8);
    assertTrue(page.length() < 1 << 20, "small: " + page.length());
    for (String external : List.of("<script src", "<link", "@import", "url(", "<img", "<iframe")) {
      assertTrue(!page.contains(external), "nothing fetched: " + external);
    }
    List<String> urls = new ArrayList<>();
    Matcher m = Pattern.compile("https?://[^\"' )]+").matcher(page);
    while (m.find()) urls.add(m.group());
    assertEquals(List.of("http://www.w3.org/2000/svg"), urls.stream().distinct().toList(), "only the SVG namespace name");

    Launcher.Result dom = PackageIT.sh("chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--proxy-server=127.0.0.1:9",
        "--user-data-dir=" + tmp.resolve("chromium"), "--virtual-time-budget=3000", "--dump-dom", html.toUri().toString());
    assertEquals(0, dom.code(), dom.err());
    String d = dom.out();
    assertTrue(d.contains("could be freed (estimate)") && d.contains("whole-file copies"), "totals drawn");
    // The treemap shows where the copies are (what dedupe would free), not what stays: of two copies as shared,
    // the one with the lower inode stays (ext4, under this temporary directory, numbers directories' inodes as it
    // likes), so the top directory of the other one is drawn.
    java.util.Set<String> drawn = new java.util.TreeSet<>(), kept = new java.util.TreeSet<>();
    for (Path[] pair : new Path[][] {{data.resolve("photos/2024/img0.jpg"), data.resolve("backup/photos-copy/2024/img0.jpg")},
        {data.resolve("vm/a.img"), data.resolve("backup/vm/b </script><b>.img")}}) {
      boolean firstStays = (long) Files.getAttribute(pair[0], "unix:ino") < (long) Files.getAttribute(pair[1], "unix:ino");
      drawn.add(data.relativize(pair[firstStays ? 1 : 0]).getName(0).toString());
      kept.add(data.relativize(pair[firstStays ? 0 : 1]).getName(0).toString());
    }
    kept.removeAll(drawn);
    for (String dir : drawn) assertTrue(d.contains("data-path=\"" + data.resolve(dir) + "\""), dir + " is a treemap rectangle");
    for (String dir : kept) assertTrue(!d.contains("data-path=\"" + data.resolve(dir) + "\""), "what stays is not drawn: " + dir);
    assertTrue(d.contains("b &lt;/script&gt;&lt;b&gt;.img"), "a hostile name is shown as text");
    assertTrue(d.contains("Largest duplicate ranges") && d.contains("img0.jpg"), "ranges listed");
  }
}
