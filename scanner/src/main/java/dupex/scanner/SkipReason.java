package dupex.scanner;

/** Why a path was not scanned or not deduped; {@link #failure()} ones make the run end with exit 1. */
public enum SkipReason {
  SPECIAL_FILE("not a regular file", false),
  SYMLINK("symlink, not followed", false),
  OTHER_FILESYSTEM("on another filesystem", false),
  EXCLUDED("excluded", false),
  TOO_SMALL("smaller than --min-size", false),
  VANISHED("vanished", false),
  CHANGED("changed since it was scanned", false),
  BUSY("changing while it was read", false),
  /** On btrfs: an extent the file used stays allocated, referenced by a file outside the run. */
  PINNED("extent kept by a file outside the run", false),
  IMMUTABLE("immutable or append-only", true),
  UNREADABLE("unreadable", true),
  NO_SPACE("not enough free space", true),
  REFUSED("refused by the kernel", true);

  private final String text;
  private final boolean failure;

  SkipReason(String text, boolean failure) {
    this.text = text;
    this.failure = failure;
  }

  public String text() {
    return text;
  }

  public boolean failure() {
    return failure;
  }
}
