package dupex.cli;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** Sizes ("128K", "1MiB", "4096") and durations ("90s", "30m", "1h30m") on the command line, and their display. */
final class Units {
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmgt]?)(i?b)?", Pattern.CASE_INSENSITIVE);
  private static final Pattern DURATION_PART = Pattern.compile("(\\d+)([hms])");

  private Units() {}

  static long parseSize(String s) {
    Matcher m = SIZE.matcher(s.trim());
    if (!m.matches()) throw new IllegalArgumentException("not a size: '" + s + "' (examples: 4096, 128K, 1M, 2GiB)");
    long v = Long.parseLong(m.group(1));
    int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
      case "k" -> 10;
      case "m" -> 20;
      case "g" -> 30;
      case "t" -> 40;
      default -> 0;
    };
    if (v > (Long.MAX_VALUE >> shift)) throw new IllegalArgumentException("size too large: " + s);
    return v << shift;
  }

  static Duration parseDuration(String s) {
    String t = s.trim().toLowerCase(Locale.ROOT);
    if (t.startsWith("p")) return Duration.parse(t.toUpperCase(Locale.ROOT));
    if (t.matches("\\d+")) return Duration.ofSeconds(Long.parseLong(t));
    Matcher m = DURATION_PART.matcher(t);
    Duration d = Duration.ZERO;
    int end = 0;
    while (m.find()) {
      if (m.start() != end) break;
      long v = Long.parseLong(m.group(1));
      d = d.plus(switch (m.group(2)) {
        case "h" -> Duration.ofHours(v);
        case "m" -> Duration.ofMinutes(v);
        default -> Duration.ofSeconds(v);
      });
      end = m.end();
    }
    if (end != t.length() || end == 0) throw new IllegalArgumentException("not a duration: '" + s + "' (examples: 90s, 30m, 1h30m)");
    return d;
  }

  /** 1536 -> "1.5 KiB". */
  static String bytes(long n) {
    if (n < 0) return "-" + bytes(-n);
    if (n < 1024) return n + " B";
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = n;
    int i = -1;
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : v >= 10 ? "%.1f %s" : "%.2f %s", v, units[i]);
  }

  static final class SizeConverter implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      try {
        return parseSize(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }

  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      try {
        return parseDuration(value);
      } catch (RuntimeException e) {
        throw new CommandLine.TypeConversionException("not a duration: '" + value + "' (examples: 90s, 30m, 1h30m)");
      }
    }
  }
}
