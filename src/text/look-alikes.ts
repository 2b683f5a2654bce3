/**
 * Letters that look like Latin letters, mapped to the Latin letters they imitate, so that a banned
 * word spelt with a Cyrillic о or a Greek ο is still the banned word.
 *
 * Where the data comes from: the Cyrillic, Greek and Armenian rows are entries of Unicode's
 * confusables.txt (UTS #39, "MA" table) whose skeleton is one Latin letter, kept where the glyphs
 * are alike in ordinary fonts. The Latin rows go beyond confusables.txt on purpose: letters with a
 * stroke or bar (ł, ø, đ), which NFKD does not split into letter + accent, count as accented
 * letters; ß, æ and œ are spelt out; small capitals (ᴀ ʙ ᴄ, a favourite of "fancy text"
 * generators) are their letters.
 *
 * What it leaves to other steps: fullwidth letters, mathematical alphanumerics (𝐠𝐨𝐫𝐞), circled
 * and superscript letters all fold under NFKC, which runs first; accents are removed by NFKD.
 * What it does not cover: ASCII digits and punctuation standing in for letters ("g0re", "g*re")
 * and ASCII letter pairs ("rn" for m), which are ordinary text in other words; Cherokee, Lisu and
 * other scripts with a few Latin-like capitals.
 *
 * Keys are exact code points (case matters: Greek Ν is N but its small letter ν is v), looked up
 * after NFKC and before lower-casing. A key must survive NFKC unchanged, or it would never be seen
 * (the lunate sigmas Ϲ ϲ, for one, become Σ ς and are left out); a test checks this.
 */
const TABLE = `
  Cyrillic: А A  В B  С C  Е E  Н H  І I  Ј J  К K  М M  О O  Р P  Ѕ S  Т T  Х X  У Y  Ү Y  Ԛ Q  Ԝ W  Ӏ l
            а a  с c  ԁ d  е e  һ h  і i  ј j  ӏ l  о o  р p  ԛ q  ѕ s  г r  ԝ w  ѡ w  х x  у y  ү y
  Greek:    Α A  Β B  Ε E  Ζ Z  Η H  Ι I  Ϳ J  Κ K  Μ M  Ν N  Ο O  Ρ P  Τ T  Υ Y  Χ X
            α a  ε e  ι i  ϳ j  κ k  ν v  ο o  ρ p  τ t  υ u  γ y  χ x  ω w
  Armenian: Օ O  Ս U  Լ L  հ h  ո n  օ o  ս u  զ q  ց g
  Latin:    ı i  ȷ j  ɑ a  ɡ g  ɩ i  ł l  Ł L  đ d  Đ D  ħ h  Ħ H  ø o  Ø O  ŧ t  Ŧ T  ƀ b  ɨ i  Ɨ I
            ʉ u  ƶ z  Ƶ Z  ȼ c  ɇ e  ɍ r  ɏ y  ð d  ß ss  ẞ SS  æ ae  Æ AE  œ oe  Œ OE
  Small capitals:
            ᴀ a  ʙ b  ᴄ c  ᴅ d  ᴇ e  ꜰ f  ɢ g  ʜ h  ɪ i  ᴊ j  ᴋ k  ʟ l  ᴍ m  ɴ n  ᴏ o  ᴘ p  ʀ r  ꜱ s
            ᴛ t  ᴜ u  ᴠ v  ᴡ w  ʏ y  ᴢ z
`;

/** Look-alike letter -> the Latin letter(s) it imitates. */
export const LOOK_ALIKES: ReadonlyMap<string, string> = new Map(
  TABLE.replace(/^\s*[\w ]+:/gmu, '')
    .trim()
    .split(/\s{2,}|\n\s*/u)
    .map((pair) => pair.split(' ') as [string, string]),
);
