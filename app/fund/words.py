"""Amounts in Chinese capital numerals (大写), as receipts and vouchers write them: 12345.60 yuan is
壹万贰仟叁佰肆拾伍元陆角整, 100.05 is 壹佰元零伍分, 0 is 零元整. Pure; whole fen in, text out."""
import logging

logger = logging.getLogger(__name__)

DIGITS = "零壹贰叁肆伍陆柒捌玖"
SMALL = ("", "拾", "佰", "仟")
BIG = ("", "万", "亿", "万亿")


def _group(n: int) -> str:
    """0 < n < 10000 as capitals, with 零 for inner zeros (e.g. 1005 → 壹仟零伍)."""
    out, zero = "", False
    for i in range(3, -1, -1):
        d = n // 10**i % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += DIGITS[d] + SMALL[i]
    return out


def _yuan(n: int) -> str:
    if n == 0:
        return ""
    groups, i = [], 0
    while n:
        groups.append((n % 10000, i))
        n //= 10000
        i += 1
    out, need_zero = "", False
    for value, index in reversed(groups):
        if value == 0:
            need_zero = bool(out)
            continue
        if out and (need_zero or value < 1000):
            out += "零"
        out += _group(value) + BIG[index]
        need_zero = False
    return out


def capital(fen: int) -> str:
    """The amount of `fen` (≥ 0) in capitals, ending in 整 when there are no fen."""
    if fen < 0:
        raise ValueError("a negative amount has no capital form here")
    yuan, jiao, cents = fen // 100, fen // 10 % 10, fen % 10
    head = _yuan(yuan)
    text = head + "元" if head else ""
    if jiao == 0 and cents == 0:
        return (text or "零元") + "整"
    if jiao:
        text += DIGITS[jiao] + "角"
    elif head:
        text += "零"
    if cents:
        text += DIGITS[cents] + "分"
    else:
        text += "整"
    return text
