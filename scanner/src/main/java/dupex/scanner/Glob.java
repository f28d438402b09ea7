package dupex.scanner;

import java.util.regex.Pattern;

/**
 * A shell glob as in {@code --exclude}, matched against names and paths as text whatever the locale: {@code *}
 * and {@code ?} stop at '/', {@code **} crosses it, {@code [abc]} / {@code [!a-z]} are classes, {@code {a,b}} are
 * alternatives, and a backslash quotes the next character. A name that is not UTF-8 is matched with U+FFFD in
 * place of each byte that is not.
 */
public final class Glob {
  private final String source;
  private final Pattern pattern;

  private Glob(String source, Pattern pattern) {
    this.source = source;
    this.pattern = pattern;
  }

  /** The glob as given. */
  public String source() {
    return source;
  }

  /** @throws IllegalArgumentException the glob is not valid (an unclosed brace) */
  public static Glob compile(String glob) {
    StringBuilder re = new StringBuilder();
    int braces = 0;
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      switch (c) {
        case '*' -> {
          if (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
            re.append(".*");
            i++;
          } else {
            re.append("[^/]*");
          }
        }
        case '?' -> re.append("[^/]");
        case '[' -> {
          int end = glob.indexOf(']', i + 2);
          if (end < 0) {
            re.append("\\[");
            break;
          }
          String body = glob.substring(i + 1, end);
          boolean negate = body.startsWith("!") || body.startsWith("^");
          if (negate) body = body.substring(1);
          re.append(negate ? "[^/" : "[");
          for (char b : body.toCharArray()) {
            if (b == '\\' || b == '[' || b == ']' || b == '&' || b == '^') re.append('\\');
            re.append(b);
          }
          re.append(']');
          i = end;
        }
        case '{' -> {
          braces++;
          re.append("(?:");
        }
        case '}' -> {
          if (braces > 0) {
            braces--;
            re.append(')');
          } else {
            re.append("\\}");
          }
        }
        case ',' -> re.append(braces > 0 ? "|" : ",");
        case '\\' -> {
          if (i + 1 < glob.length()) re.append(Pattern.quote(String.valueOf(glob.charAt(++i))));
          else re.append("\\\\");
        }
        default -> re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    if (braces > 0) throw new IllegalArgumentException("a '{' is not closed");
    return new Glob(glob, Pattern.compile(re.toString(), Pattern.DOTALL));
  }

  public boolean matches(String text) {
    return pattern.matcher(text).matches();
  }
}
