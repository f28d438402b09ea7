package dupex.scanner;

import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The btrfs subvolumes a walk entered, by id, with the device number their files carry: btrfs names a file that
 * references an extent by (subvolume id, inode), the index by (device, inode).
 */
public final class Subvolumes {
  private final Map<Long, Long> deviceById = new ConcurrentHashMap<>();

  public void add(long id, long device) {
    deviceById.put(id, device);
  }

  /** The device number of subvolume {@code id}'s files, if the walk entered it. */
  public OptionalLong device(long id) {
    Long d = deviceById.get(id);
    return d == null ? OptionalLong.empty() : OptionalLong.of(d);
  }

  /** The file {@code inode} of subvolume {@code id}, if the walk entered that subvolume. */
  public FileId file(long id, long inode) {
    Long d = deviceById.get(id);
    return d == null ? null : new FileId(d, inode);
  }

  public int size() {
    return deviceById.size();
  }
}
