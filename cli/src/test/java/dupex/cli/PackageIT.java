package dupex.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dupex.linux.LoopFs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The Debian package `mvn package` builds, as an admin gets it: what it installs and with which modes, its control
 * data, the launcher run from the unpacked tree (and through a symlink, and as a copy), the man page rendered by
 * groff, the completion loaded by bash, and the systemd units checked by systemd-analyze.
 */
class PackageIT {
  static final Path TARGET = Path.of(System.getProperty("user.dir")).resolve("target");
  @TempDir static Path tree;
  static Path deb;

  /** Runs a command; returns exit code, stdout and stderr. */
  static Launcher.Result sh(Map<String, String> env, String... cmd) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    return Launcher.finish(p);
  }

  static Launcher.Result sh(String... cmd) throws Exception {
    return sh(Map.of(), cmd);
  }

  @BeforeAll
  static void unpack() throws Exception {
    LoopFs.requireTool("dpkg-deb");
    try (Stream<Path> s = Files.list(TARGET)) {
      List<Path> debs = s.filter(p -> p.getFileName().toString().matches("dupex_.*_amd64\\.deb")).toList();
      assertEquals(1, debs.size(), "one package in target/: " + debs);
      deb = debs.get(0);
    }
    Launcher.Result x = sh("dpkg-deb", "-x", deb.toString(), tree.toString());
    assertEquals(0, x.code(), x.toString());
  }

  @Test
  void installsTheLauncherJarManPageCompletionUnitsAndAPrivateIndexDirectory() throws Exception {
    Launcher.Result c = sh("dpkg-deb", "-c", deb.toString());
    assertEquals(0, c.code(), c.toString());
    List<String> want = List.of("-rwxr-xr-x root/root .* ./usr/bin/dupex", "-rw-r--r-- .* ./usr/lib/dupex/dupex.jar",
        "./usr/lib/dupex/native/librocksdbjni-linux64.so",
        "-rw-r--r-- .* ./usr/lib/dupex/dupex.classlist", "-rwxr-xr-x .* ./usr/lib/dupex/cds-archive", "./usr/lib/dupex/native/jni/x86_64-Linux/libjffi",
        "./usr/lib/dupex/native/net/jpountz/util/linux/amd64/liblz4-java.so", "./usr/share/man/man1/dupex.1.gz",
        "./usr/share/bash-completion/completions/dupex$", "./usr/share/zsh/vendor-completions/_dupex",
        "./usr/lib/systemd/system/dupex.service", "./usr/lib/systemd/system/dupex.timer",
        "./usr/share/doc/dupex/examples/dupex.cron", "./usr/share/doc/dupex/examples/dupex.service.d/paths.conf",
        "./usr/share/doc/dupex/copyright", "drwx------ root/root .* ./var/lib/dupex/?$");
    for (String w : want) {
      assertTrue(c.out().lines().anyMatch(l -> java.util.regex.Pattern.compile(w).matcher(l).find()), w + " in\n" + c.out());
    }
    assertTrue(c.out().lines().noneMatch(l -> l.contains("aarch64") || l.contains("linux-aarch64")), "an amd64 package holds amd64 libraries only");
    assertTrue(c.out().lines().noneMatch(l -> l.contains("/etc/")), "nothing in /etc: no unit is enabled, no cron job installed");

    Launcher.Result info = sh("dpkg-deb", "-f", deb.toString(), "Package", "Architecture", "Depends");
    assertTrue(info.out().contains("Package: dupex"), info.out());
    assertTrue(info.out().contains("Architecture: amd64"), info.out());
    assertTrue(info.out().contains("default-jre-headless (>= 2:1.17) | java17-runtime-headless"), info.out());
    Launcher.Result control = sh("dpkg-deb", "-I", deb.toString());
    assertTrue(control.out().contains("postrm") && control.out().contains("postinst") && control.out().contains("prerm"), control.out());
    Launcher.Result postrm = sh("dpkg-deb", "-I", deb.toString(), "postrm");
    assertTrue(postrm.out().contains("purge") && postrm.out().contains("rm -rf /var/lib/dupex"), "purge deletes the index, remove keeps it");
    Launcher.Result postinst = sh("dpkg-deb", "-I", deb.toString(), "postinst");
    assertTrue(postinst.out().contains("/usr/lib/dupex/cds-archive"), "install makes the start-up archive for the installed java");
  }

  @Test
  void theInstalledLauncherRunsFromItsPlaceThroughASymlinkAndAsACopy() throws Exception {
    Path bin = tree.resolve("usr/bin/dupex");
    Launcher.Result v = sh(bin.toString(), "--version");
    assertEquals(0, v.code(), v.toString());
    assertTrue(v.out().startsWith("dupex " + Main.version()), v.out());
    assertEquals("", v.err(), "no JVM message");
    Path link = Files.createSymbolicLink(tree.resolve("dupex-link"), bin);
    Launcher.Result l = sh(link.toString(), "--version");
    assertEquals(0, l.code(), l.toString());
    // A copy of the checkout's launcher elsewhere finds the jar through DUPEX_HOME, and says where it looked if not.
    Path copy = Files.copy(Launcher.script(), Files.createDirectories(tree.resolve("elsewhere")).resolve("dupex"));
    Launcher.Result lost = sh(Map.of("DUPEX_HOME", ""), copy.toString(), "--version");
    if (!Files.exists(Path.of("/usr/lib/dupex/dupex.jar"))) {
      assertEquals(70, lost.code(), lost.toString());
      assertTrue(lost.err().contains("dupex.jar not found") && lost.err().contains("DUPEX_HOME"), lost.err());
    }
    Launcher.Result found = sh(Map.of("DUPEX_HOME", tree.resolve("usr/lib/dupex").toString()), copy.toString(), "--version");
    assertEquals(0, found.code(), found.toString());
    assertEquals("", found.err());
  }

  @Test
  void theInstalledLauncherMapsTheStartUpArchiveMadeForItsJavaAndIgnoresAStaleOne() throws Exception {
    Path lib = tree.resolve("usr/lib/dupex");
    Path jsa = lib.resolve("dupex.jsa");
    Launcher.Result made = sh(lib.resolve("cds-archive").toString(), lib.resolve("dupex.classlist").toString(),
        lib.toRealPath().resolve("dupex.jar").toString(), jsa.toString());
    assertEquals(0, made.code(), made.toString());
    String bin = tree.resolve("usr/bin/dupex").toString();
    Launcher.Result used = sh(Map.of("JAVA_TOOL_OPTIONS", "-XX:+PrintSharedArchiveAndExit"), bin, "--version");
    assertTrue(used.out().contains("Static archive name: " + jsa.toRealPath()), used.toString());
    Launcher.Result v = sh(bin, "--version");
    assertEquals(0, v.code(), v.toString());
    assertEquals("", v.err(), "no JVM message");
    // Made by another java (as after an upgrade): not used, and nothing said.
    Files.writeString(lib.resolve("dupex.jsa.java"), "/usr/lib/jvm/another/bin/java\n");
    Launcher.Result stale = sh(Map.of("JAVA_TOOL_OPTIONS", "-XX:+PrintSharedArchiveAndExit"), bin, "--version");
    assertTrue(!stale.out().contains(jsa.toString()) && !stale.err().contains(jsa.toString()), stale.toString());
    Launcher.Result quiet = sh(bin, "--version");
    assertEquals(0, quiet.code(), quiet.toString());
    assertEquals("", quiet.err(), "no JVM message");
    Files.delete(jsa);
    Files.delete(lib.resolve("dupex.jsa.java"));
  }

  @Test
  void theManPageRendersCleanlyAndListsEveryOption() throws Exception {
    LoopFs.requireTool("groff");
    Path page = tree.resolve("usr/share/man/man1/dupex.1.gz");
    String troff;
    try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(page))) {
      troff = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    Path plain = Files.writeString(tree.resolve("dupex.1"), troff);
    Launcher.Result r = sh(Map.of("LC_ALL", "C.UTF-8"), "groff", "-man", "-ww", "-Tutf8", plain.toString());
    assertEquals(0, r.code(), r.toString());
    assertEquals("", r.err(), "groff warns about nothing");
    String text = r.out().replaceAll(".\b", ""); // no overstrike
    CommandLine cl = Main.commandLine(Session.forTest(Map.of()));
    List<String> missing = new ArrayList<>();
    for (CommandLine sub : cl.getSubcommands().values()) {
      assertTrue(text.contains("dupex " + sub.getCommandName()), sub.getCommandName());
      for (var o : sub.getCommandSpec().options()) {
        if (!o.hidden() && !text.contains(o.longestName())) missing.add(sub.getCommandName() + " " + o.longestName());
      }
    }
    assertEquals(List.of(), missing, "every option of --help is in the man page");
    assertTrue(text.contains("EXIT STATUS") && text.contains("index locked by another dupex run"), "exit codes");
  }

  @Test
  void bashLoadsTheCompletionAndCompletesCommandsAndOptions() throws Exception {
    Path script = tree.resolve("usr/share/bash-completion/completions/dupex");
    Launcher.Result r = sh("bash", "-c", "source " + script + " && COMP_WORDS=(dupex ded) COMP_CWORD=1 COMP_LINE='dupex ded' "
        + "COMP_POINT=9 && _complete_dupex dupex ded dupex && echo \"${COMPREPLY[@]}\" && COMP_WORDS=(dupex dedupe --max-r) "
        + "COMP_CWORD=2 && _complete_dupex dupex --max-r dedupe && echo \"${COMPREPLY[@]}\"");
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().lines().anyMatch(l -> l.strip().equals("dedupe")), r.out());
    assertTrue(r.out().contains("--max-runtime"), r.out());
    assertTrue(Files.readString(tree.resolve("usr/share/zsh/vendor-completions/_dupex")).startsWith("#compdef dupex"));
  }

  /** systemd-analyze verify, and security at most 4.0 ("OK"), of the units as packaged. */
  @Test
  void theSystemdUnitsVerifyAndTheServiceIsHardened() throws Exception {
    LoopFs.requireTool("systemd-analyze");
    Path units = tree.resolve("usr/lib/systemd/system");
    // verify checks that ExecStart's program exists: point it at the unpacked launcher.
    Path check = Files.createDirectories(tree.resolve("check"));
    Files.writeString(check.resolve("dupex.service"), Files.readString(units.resolve("dupex.service"))
        .replace("ExecStart=/usr/bin/dupex", "ExecStart=" + tree.resolve("usr/bin/dupex")));
    Files.copy(units.resolve("dupex.timer"), check.resolve("dupex.timer"));
    Launcher.Result v = sh(Map.of("MANPATH", tree.resolve("usr/share/man") + ":"), "systemd-analyze", "verify",
        check.resolve("dupex.service").toString(), check.resolve("dupex.timer").toString());
    assertEquals(0, v.code(), v.toString());
    assertEquals("", v.err().strip(), v.toString());
    Launcher.Result s = sh("systemd-analyze", "security", "--offline=true", units.resolve("dupex.service").toString());
    String last = s.out().strip().lines().reduce((a, b) -> b).orElse("");
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("exposure level for dupex.service: ([0-9.]+)").matcher(last);
    assertTrue(m.find(), s.toString());
    assertTrue(Double.parseDouble(m.group(1)) <= 4.0, last);
  }
}
