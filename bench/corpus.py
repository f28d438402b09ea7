#!/usr/bin/env python3
"""Writes dupex's benchmark corpus: deterministic data with known duplicate structure.

Usage: corpus.py ROOT [--size N]   (N scales every part; 1 = about 700 MiB of logical data)

Every byte is written explicitly (never copied with cp, which would reflink), except the one part that
is meant to be reflinked already. Prints a JSON line with the ideal reclaimable bytes at 4 KiB
granularity: allocated 4 KiB blocks (counted once per inode, once per reflinked extent) minus the number
of distinct block contents among them.
"""
import hashlib
import json
import os
import random
import subprocess
import sys

BLOCK = 4096
MiB = 1 << 20


class Corpus:
    def __init__(self, root, scale):
        self.root = root
        self.scale = scale
        self.allocated = 0          # 4 KiB blocks allocated on disk
        self.contents = set()       # distinct block contents among them
        self.logical = 0

    def data(self, seed, n):
        rnd = random.Random(seed)  # randbytes takes at most 256 MiB at a time
        return b"".join(rnd.randbytes(min(64 * MiB, n - at)) for at in range(0, n, 64 * MiB))

    def account(self, buf):
        """Counts a newly allocated region of bytes, block by block (a short tail block is its own content)."""
        for off in range(0, len(buf), BLOCK):
            chunk = buf[off:off + BLOCK]
            self.allocated += 1
            self.contents.add(hashlib.blake2b(chunk, digest_size=16).digest() + len(chunk).to_bytes(4, "little"))

    def write(self, rel, pieces):
        """pieces: list of (offset, bytes); holes between them stay holes."""
        path = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            size = 0
            for off, buf in pieces:
                f.seek(off)
                f.write(buf)
                self.account(buf)
                size = max(size, off + len(buf))
            f.truncate(size)
            os.fsync(f.fileno())
        self.logical += size
        return path

    def write_bytes(self, rel, buf):
        """A file whose name is bytes (not necessarily UTF-8)."""
        path = os.path.join(os.fsencode(self.root), rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(buf)
            os.fsync(f.fileno())
        self.account(buf)
        self.logical += len(buf)

    def build(self):
        s = self.scale
        # Unique data: files of varied sizes that match nothing.
        for i in range(int(40 * s)):
            self.write(f"unique/file{i:04d}.bin", [(0, self.data(1000 + i, random.Random(i).randrange(64 * 1024, 4 * MiB)))])
        # Whole-file copies: a photo folder, backed up twice (written, not copied).
        photos = [self.data(2000 + i, random.Random(50 + i).randrange(1 * MiB, 6 * MiB) + 1234) for i in range(int(16 * s))]
        for d in ("photos", "backup1/photos", "backup2/photos"):
            for i, p in enumerate(photos):
                self.write(f"{d}/img{i:03d}.jpg", [(0, p)])
        # Names as users have them: non-ASCII (UTF-8), Latin-1 (not UTF-8), a newline; copies of the photos. dupex
        # must find them whatever the locale (the bench runs it under env -i, like cron).
        names = [b"Fotos \xe2\x80\x93 \xc3\x9cbersicht.jpg", b"caf\xe9.jpg", b"two\nlines.jpg", "日本の写真.jpg".encode()]
        for i, name in enumerate(names):
            self.write_bytes(b"names/" + name, photos[i % len(photos)])
        # VM images: a base and two clones with block-aligned edits (1 MiB each) in between.
        base_size = int(96 * s) * MiB
        base = bytearray(self.data(3000, base_size))
        self.write("vm/base.img", [(0, bytes(base))])
        for clone in (1, 2):
            img = bytearray(base)
            rnd = random.Random(3100 + clone)
            for _ in range(max(1, base_size // (16 * MiB))):
                at = rnd.randrange(0, base_size // MiB) * MiB
                img[at:at + MiB] = self.data(rnd.randrange(1 << 30), MiB)
            self.write(f"vm/clone{clone}.img", [(0, bytes(img))])
        # A database file whose second half repeats its first (duplicate ranges inside one file).
        half = self.data(4000, int(16 * s) * MiB)
        self.write("db/table.db", [(0, half + half)])
        # Many small files, half of them duplicates of the other half.
        smalls = [self.data(5000 + i, 8192 + (i % 7) * 512) for i in range(int(500 * s))]
        for i, buf in enumerate(smalls):
            self.write(f"small/a/{i:05d}.txt", [(0, buf)])
            if i % 2 == 0:
                self.write(f"small/b/{i:05d}.txt", [(0, buf)])
        # Sparse files: the same data at the same offsets, holes between.
        parts = [(k * 32 * MiB, self.data(6000 + k, 2 * MiB)) for k in range(int(4 * s))]
        self.write("sparse/one.raw", parts)
        self.write("sparse/two.raw", parts)
        # Hard links: one inode, two names (nothing to gain).
        p = self.write("links/original.bin", [(0, self.data(7000, int(8 * s) * MiB))])
        os.link(p, os.path.join(self.root, "links/hardlink.bin"))
        # Already reflinked copies: shared before any tool runs (nothing to gain).
        p = self.write("reflinked/original.bin", [(0, self.data(8000, int(16 * s) * MiB))])
        subprocess.run(["cp", "--reflink=always", p, os.path.join(self.root, "reflinked/copy.bin")], check=True)
        # A golden VM image, a reflinked clone of it edited afterwards, and a written export of the edited clone: the
        # export's blocks duplicate extents the golden image and its clone share (reflinked, then bookended by edits).
        golden_size = int(64 * s) * MiB
        golden = self.data(3200, golden_size)
        p = self.write("vm2/golden.img", [(0, golden)])
        clone = os.path.join(self.root, "vm2/golden-clone.img")
        subprocess.run(["cp", "--reflink=always", p, clone], check=True)
        edited = bytearray(golden)
        rnd = random.Random(3201)
        with open(clone, "r+b") as f:
            for _ in range(4):
                at = rnd.randrange(0, golden_size // MiB) * MiB
                buf = self.data(rnd.randrange(1 << 30), MiB)
                f.seek(at)
                f.write(buf)
                edited[at:at + MiB] = buf
                self.account(buf)
            os.fsync(f.fileno())
        self.logical += golden_size
        self.write("vm2/export.img", [(0, bytes(edited))])
        # Two deployments of one VM template, each a template image and a reflinked clone edited afterwards in scattered
        # 4 KiB places (so parts of 128 KiB blocks of the clone stay in the template's extent); the second template was
        # written again from the same bytes. Whichever family a tool keeps, the other's extents stay referenced by
        # the slivers of its clone unless they are rewritten.
        tpl_size = int(48 * s) * MiB
        tpl = self.data(3600, tpl_size)
        for host in ("host-a", "host-b"):
            p = self.write(f"vm3/{host}/template.img", [(0, tpl)])
            clone = os.path.join(self.root, f"vm3/{host}/vm1.img")
            subprocess.run(["cp", "--reflink=always", p, clone], check=True)
            rnd = random.Random(3601 if host == "host-a" else 3602)
            with open(clone, "r+b") as f:
                for _ in range(int(24 * s)):
                    at = rnd.randrange(0, tpl_size // BLOCK) * BLOCK
                    buf = self.data(rnd.randrange(1 << 30), BLOCK)
                    f.seek(at)
                    f.write(buf)
                    self.account(buf)
                os.fsync(f.fileno())
            self.logical += tpl_size
        # Disk images holding the same files as a directory of the tree, at 4 KiB-aligned offsets that differ modulo
        # 128 KiB (as mkfs -d, a VM image or an archive padded to 4 KiB places them), in a different order in each image,
        # with other bytes (metadata) between them.
        rnd = random.Random(9000)
        files = [self.data(9001 + i, rnd.randrange(4096, 768 * 1024)) for i in range(int(60 * s))]
        for i, buf in enumerate(files):
            self.write(f"imgsrc/file{i:03d}.bin", [(0, buf)])
        for img in (1, 2):
            order = list(range(len(files)))
            random.Random(9100 + img).shuffle(order)
            places, at = [], 0
            for i in order:
                at += rnd.randrange(1, 24) * BLOCK
                places.append((at, i))
                at += (len(files[i]) + BLOCK - 1) // BLOCK * BLOCK
            image = bytearray(self.data(9200 + img, at + 64 * 1024))
            for off, i in places:
                image[off:off + len(files[i])] = files[i]
            self.write(f"images/disk{img}.img", [(0, bytes(image))])
        # A database file of 4 KiB pages: runs of 2-6 pages copied from elsewhere in it, and single template pages
        # repeated (lone duplicate blocks, left alone by default: sharing each would cost an extent for 4 KiB).
        pages = bytearray(self.data(9300, int(8 * s) * MiB))
        n = len(pages) // BLOCK
        templates = [self.data(9301 + t, BLOCK) for t in range(4)]
        for k in range(n // 16):
            dst = rnd.randrange(n)
            if k % 2:
                pages[dst * BLOCK:(dst + 1) * BLOCK] = templates[k % 4]
            else:
                length = rnd.randrange(2, 7)
                src = rnd.randrange(n - length)
                dst = min(dst, n - length)
                pages[dst * BLOCK:(dst + length) * BLOCK] = bytes(pages[src * BLOCK:(src + length) * BLOCK])
        self.write("db/pages.db", [(0, bytes(pages))])
        # btrfs: a subvolume with a read-only snapshot inside the tree, files edited in place after the snapshot,
        # and written copies of what the snapshot holds.
        if subprocess.run(["stat", "-f", "-c", "%T", self.root], capture_output=True, text=True).stdout.strip() == "btrfs":
            vol, snap = os.path.join(self.root, "snap/vol"), os.path.join(self.root, "snap/vol-2026-11-01")
            os.makedirs(os.path.dirname(vol), exist_ok=True)
            subprocess.run(["btrfs", "-q", "subvolume", "create", vol], check=True)
            files = [self.data(3300 + i, int(8 * s) * MiB) for i in range(4)]
            for i, buf in enumerate(files):
                self.write(f"snap/vol/disk{i}.qcow2", [(0, buf)])
            subprocess.run(["btrfs", "-q", "subvolume", "snapshot", "-r", vol, snap], check=True)
            self.logical += sum(len(b) for b in files)
            for i in (0, 1):
                with open(os.path.join(vol, f"disk{i}.qcow2"), "r+b") as f:
                    buf = self.data(3400 + i, MiB)
                    f.seek(2 * MiB)
                    f.write(buf)
                    self.account(buf)
                    os.fsync(f.fileno())
            for i, buf in enumerate(files):
                self.write(f"snap/copy/disk{i}.qcow2", [(0, buf)])
            # A zstd-compressed directory holding two copies of compressible logs. Not in the ideal: what sharing them
            # frees is their compressed size, which only btrfs knows; the bench's second run shows they are not
            # deduped again (FIEMAP cannot show compressed data as shared).
            logs = os.path.join(self.root, "zstd")
            os.makedirs(logs, exist_ok=True)
            subprocess.run(["btrfs", "property", "set", logs, "compression", "zstd"], check=True)
            rnd = random.Random(3500)
            words = [bytes(rnd.choice(b"abcdefghijklmnop") for _ in range(rnd.randrange(3, 9))) for _ in range(400)]
            text = b" ".join(rnd.choice(words) for _ in range(int(2 * s) * MiB // 5))[:int(2 * s) * MiB]
            for name in ("app.log", "app.log.1"):
                with open(os.path.join(logs, name), "wb") as f:
                    f.write(text)
                    os.fsync(f.fileno())
                self.logical += len(text)
        subprocess.run(["sync"], check=True)
        return {
            "logicalBytes": self.logical,
            "allocatedBytes": self.allocated * BLOCK,
            "idealReclaimableBytes": (self.allocated - len(self.contents)) * BLOCK,
        }


if __name__ == "__main__":
    import argparse
    args = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    args.add_argument("root", help="directory to write the corpus in (made if missing)")
    args.add_argument("--size", type=float, default=1.0, help="scales every part; 1 = about 700 MiB of logical data")
    a = args.parse_args()
    print(json.dumps(Corpus(a.root, a.size).build()))
