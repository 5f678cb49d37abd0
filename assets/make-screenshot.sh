#!/usr/bin/env bash
# Regenerate assets/screenshot.png: run `handoff --demo` in a detached tmux at
# 120x34 (TERM=xterm-256color), drive it with send-keys, capture the pane with
# colours and draw that capture cell by cell into a PNG (Pillow, DejaVu Sans Mono).
#
#   usage: assets/make-screenshot.sh [path/to/handoff]   (default: target/release/handoff)
#
# Needs: tmux, python3 with Pillow (pip install pillow), and the DejaVu fonts
# (apt-get install fonts-dejavu-core). Uses a private tmux server and always kills it.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${1:-$ROOT/target/release/handoff}
[[ $BIN == /* ]] || BIN=$PWD/$BIN
OUT=$ROOT/assets/screenshot.png
COLS=120 ROWS=34
FONT_DIR=/usr/share/fonts/truetype/dejavu

[[ -x $BIN ]] || { echo "no executable at $BIN (build with: cargo build --release)" >&2; exit 1; }
command -v tmux >/dev/null || { echo "tmux is required" >&2; exit 1; }
python3 -c 'import PIL' 2>/dev/null || { echo "Pillow is required: pip install pillow" >&2; exit 1; }
[[ -f $FONT_DIR/DejaVuSansMono.ttf && -f $FONT_DIR/DejaVuSansMono-Bold.ttf ]] ||
  { echo "DejaVu Sans Mono is required: apt-get install fonts-dejavu-core" >&2; exit 1; }

S=shot
WORK=$(mktemp -d)
SOCK=$WORK/tmux.sock              # private tmux server; its socket goes away with $WORK
t() { tmux -S "$SOCK" -f /dev/null "$@"; }
cleanup() {
  if t has-session -t "$S" 2>/dev/null; then
    t send-keys -t "$S" C-c 2>/dev/null || true      # let the demo remove its temp dir
    for _ in $(seq 20); do t has-session -t "$S" 2>/dev/null || break; sleep 0.1; done
  fi
  t kill-server 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

screen() { t capture-pane -p -t "$S"; }
# wait_for TEXT: poll the pane until TEXT is on screen (10 s limit).
wait_for() {
  for _ in $(seq 100); do
    screen | grep -qF -- "$1" && return 0
    sleep 0.1
  done
  echo "timed out waiting for: $1" >&2; screen >&2; exit 1
}
# settle: wait until two captures 0.2 s apart are identical.
settle() {
  local a b; a=$(t capture-pane -e -p -t "$S")
  for _ in $(seq 25); do
    sleep 0.2; b=$(t capture-pane -e -p -t "$S")
    [[ $a == "$b" ]] && return 0; a=$b
  done
}
type_text() { t send-keys -t "$S" -l -- "$1"; }
# send_and_wait TEXT: confirm the transfer, saying yes again if live state asks a second time
# (an offline or full agent), then wait for TEXT in the log.
send_and_wait() {
  key Enter
  for _ in $(seq 100); do
    local now; now=$(screen)
    if grep -qF "Are you sure?" <<<"$now"; then key y; fi
    grep -qF -- "$1" <<<"$now" && return 0
    sleep 0.1
  done
  echo "timed out waiting for: $1" >&2; screen >&2; exit 1
}
key() { t send-keys -t "$S" "$@"; }

t new-session -d -s "$S" -x "$COLS" -y "$ROWS" -e TERM=xterm-256color "exec '$BIN' --demo"
t set-option -g status off
t resize-window -t "$S" -x "$COLS" -y "$ROWS" 2>/dev/null || true
size=$(t display -p -t "$S" '#{pane_width}x#{pane_height}')
[[ $size == "${COLS}x${ROWS}" ]] || { echo "pane is $size, wanted ${COLS}x${ROWS}" >&2; exit 1; }
wait_for "who is free as of"

# 1. a transfer that succeeds
type_text 6538f8a3c9cf425ee5cf0a1b; key Enter; wait_for "looks right"
type_text dana;                     wait_for "/ dana"
key Enter;                          wait_for "Transfer this conversation?"
send_and_wait "✓ confirmed"
wait_for "then Enter"

# 2. a transfer that the platform rejects
type_text dead5f0e9a8b7c6d5e4f3a2b; key Enter; wait_for "looks right"
type_text billing;                  wait_for "/ billing"
key Enter;                          wait_for "Transfer this conversation?"
send_and_wait "✗ failed"
wait_for "then Enter"

# 3. a third one, stopped while picking: session filled in, list filtered
type_text 66c2f6939489bfffc7911a2b; key Enter; wait_for "looks right"
type_text tech;                     wait_for "/ tech"
settle

t capture-pane -e -p -N -t "$S" > "$WORK/screen.ans"
read -r CX CY CVIS < <(t display -p -t "$S" '#{cursor_x} #{cursor_y} #{cursor_flag}')

python3 - "$WORK/screen.ans" "$OUT" "$COLS" "$ROWS" "$CX" "$CY" "$CVIS" "$FONT_DIR" <<'PY'
import re, sys, unicodedata
from PIL import Image, ImageDraw, ImageFont

src, out = sys.argv[1], sys.argv[2]
cols, rows, cx, cy, cvis = map(int, sys.argv[3:8])
font_dir = sys.argv[8]
SCALE = 2                                    # 2x so it stays sharp on high-dpi screens
FONT_PX = 14 * SCALE
CW = round(FONT_PX * 1233 / 2048)            # DejaVu Sans Mono advance is 1233/2048 em
CH = round(FONT_PX * 1.3)
PAD = 14 * SCALE
fonts = {False: ImageFont.truetype(f"{font_dir}/DejaVuSansMono.ttf", FONT_PX),
         True: ImageFont.truetype(f"{font_dir}/DejaVuSansMono-Bold.ttf", FONT_PX)}
asc, desc = fonts[False].getmetrics()
BASE = (CH - (asc + desc)) // 2 + asc        # baseline offset inside a cell

BG, FG = (0x16, 0x18, 0x1d), (0xd6, 0xd9, 0xde)
PAL = [(0x1d, 0x20, 0x26), (0xf0, 0x6c, 0x6c), (0x7d, 0xd3, 0x8b), (0xe5, 0xc0, 0x7b),
       (0x61, 0xaf, 0xef), (0xc6, 0x78, 0xdd), (0x56, 0xc8, 0xd8), (0xc8, 0xcc, 0xd4),
       (0x6b, 0x72, 0x80), (0xff, 0x85, 0x85), (0x9b, 0xe9, 0xa8), (0xf5, 0xd6, 0x8f),
       (0x82, 0xc4, 0xff), (0xd9, 0x96, 0xf0), (0x7f, 0xdb, 0xe8), (0xf2, 0xf4, 0xf7)]
def c256(n):
    if n < 16: return PAL[n]
    if n < 232:
        n -= 16; v = [0, 95, 135, 175, 215, 255]
        return (v[n // 36], v[n // 6 % 6], v[n % 6])
    g = 8 + (n - 232) * 10; return (g, g, g)

# Parse the capture into cells. tmux only emits attribute changes, and they
# carry over from one line to the next, exactly as on a terminal.
blank = (" ", None, None, False, False, False, False)
grid = [[blank] * cols for _ in range(rows)]
st = dict(fg=None, bg=None, bold=False, dim=False, rev=False, ul=False)
def sgr(params):
    p = [int(x) if x else 0 for x in params.split(";")] if params else [0]
    i = 0
    while i < len(p):
        a = p[i]
        if a == 0: st.update(fg=None, bg=None, bold=False, dim=False, rev=False, ul=False)
        elif a == 1: st["bold"] = True
        elif a == 2: st["dim"] = True
        elif a == 4: st["ul"] = True
        elif a == 7: st["rev"] = True
        elif a == 22: st["bold"] = st["dim"] = False
        elif a == 24: st["ul"] = False
        elif a == 27: st["rev"] = False
        elif 30 <= a <= 37: st["fg"] = c256(a - 30)
        elif 90 <= a <= 97: st["fg"] = c256(a - 82)
        elif 40 <= a <= 47: st["bg"] = c256(a - 40)
        elif 100 <= a <= 107: st["bg"] = c256(a - 92)
        elif a == 39: st["fg"] = None
        elif a == 49: st["bg"] = None
        elif a in (38, 48) and i + 1 < len(p):
            key = "fg" if a == 38 else "bg"
            if p[i + 1] == 5: st[key] = c256(p[i + 2]); i += 2
            elif p[i + 1] == 2: st[key] = tuple(p[i + 2:i + 5]); i += 4
        i += 1
tok = re.compile(r"\x1b\[([0-9;]*)m|\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|(.)", re.S)
for y, line in enumerate(open(src, encoding="utf-8").read().split("\n")[:rows]):
    x = 0
    for m in tok.finditer(line):
        if m.group(2) is None:
            if m.group(1) is not None: sgr(m.group(1))
            continue
        ch = m.group(2)
        if unicodedata.combining(ch) or ch == "\r": continue
        w = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if x + w > cols: break
        cell = (ch, st["fg"], st["bg"], st["bold"], st["dim"], st["rev"], st["ul"])
        grid[y][x] = cell
        if w == 2: grid[y][x + 1] = ("",) + cell[1:]
        x += w

# Light box-drawing characters are drawn as lines, as terminal emulators do,
# so borders join exactly whatever the font's line height.
LIGHT = {"─": "lr", "│": "ud", "┌": "rd", "┐": "ld", "└": "ru", "┘": "lu", "├": "udr",
         "┤": "udl", "┬": "lrd", "┴": "lru", "┼": "udlr", "╭": "rd", "╮": "ld", "╰": "ru", "╯": "lu"}
LW = max(1, round(FONT_PX / 14))
img = Image.new("RGB", (cols * CW + 2 * PAD, rows * CH + 2 * PAD), BG)
d = ImageDraw.Draw(img)
def mix(a, b, t): return tuple(round(a[i] * (1 - t) + b[i] * t) for i in range(3))
for y in range(rows):
    for x in range(cols):
        ch, fg, bg, bold, dim, rev, ul = grid[y][x]
        fg, bg = fg or FG, bg or BG
        if rev: fg, bg = bg, fg
        if cvis and (x, y) == (cx, cy): fg, bg = BG, FG          # block cursor
        if dim: fg = mix(fg, bg, 0.4)
        X, Y = PAD + x * CW, PAD + y * CH
        if bg != BG: d.rectangle([X, Y, X + CW - 1, Y + CH - 1], fill=bg)
        if ch in LIGHT:
            mx, my = X + (CW - LW) // 2, Y + (CH - LW) // 2
            for s in LIGHT[ch]:
                if s == "l": d.rectangle([X, my, mx + LW - 1, my + LW - 1], fill=fg)
                if s == "r": d.rectangle([mx, my, X + CW - 1, my + LW - 1], fill=fg)
                if s == "u": d.rectangle([mx, Y, mx + LW - 1, my + LW - 1], fill=fg)
                if s == "d": d.rectangle([mx, my, mx + LW - 1, Y + CH - 1], fill=fg)
        elif ch.strip():
            d.text((X, Y + BASE), ch, font=fonts[bold], fill=fg, anchor="ls")
        if ul: d.rectangle([X, Y + BASE + LW, X + CW - 1, Y + BASE + 2 * LW - 1], fill=fg)
img.save(out, optimize=True)
print(f"wrote {out} ({img.width}x{img.height})")
PY
