package dupex.index;

import dupex.scanner.FileId;

/** One place a block hash occurs: file, block number, physical address (0: unknown) and length in bytes. */
public record Posting(FileId file, int blockIndex, long physical, int length) {}
