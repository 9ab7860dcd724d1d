"""Colours that stay readable (SPEC §12): an organizer's brand colour, used as given where it
meets WCAG AA, else lightened or darkened just enough; the text on it is black or white,
whichever reads better. Plain Python, tested directly."""

from __future__ import annotations

import colorsys

AA = 4.5  # normal text
# The lightest and darkest a brand colour's text meets in bwm.css: the light scheme's tint
# (the picker's days; white reads better still), the dark scheme's tint (cards and page darker).
LIGHT_BACKGROUND = "#e7f1fb"
DARK_BACKGROUND = "#1d2f45"


def rgb(hex_color: str) -> tuple[int, int, int]:
    value = hex_color.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def to_hex(r: float, g: float, b: float) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in (r, g, b))


def luminance(hex_color: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb(hex_color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def text_on(background: str) -> str:
    """Black or white, whichever has more contrast on the colour."""
    return (
        "#000000"
        if contrast("#000000", background) >= contrast("#ffffff", background)
        else "#ffffff"
    )


def readable(color: str, background: str, ratio: float = AA) -> str:
    """The colour itself when it reads on the background, else the nearest lightness that does
    (darker on a light background, lighter on a dark one), its hue and saturation kept."""
    if contrast(color, background) >= ratio:
        return color
    h, lightness, s = colorsys.rgb_to_hls(*(c / 255 for c in rgb(color)))
    darker = luminance(background) > 0.5
    step = -0.01 if darker else 0.01
    while 0 <= lightness <= 1:
        lightness += step
        candidate = to_hex(*(c * 255 for c in colorsys.hls_to_rgb(h, min(max(lightness, 0), 1), s)))
        if contrast(candidate, background) >= ratio:
            return candidate
    return "#000000" if darker else "#ffffff"


def palette(brand: str) -> dict[str, str]:
    """The custom properties a brand colour sets, for the light and the dark scheme: a fill
    (buttons, the chosen day) with its text, and a text colour for links."""
    light = readable(brand, LIGHT_BACKGROUND)
    dark = readable(brand, DARK_BACKGROUND)
    return {
        "accent": light,
        "accent-fg": text_on(light),
        "dark-accent": dark,
        "dark-accent-fg": text_on(dark),
    }
