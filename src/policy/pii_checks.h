#pragma once
// Validation of PII candidates, the part a regex cannot do: checksums (Luhn, ISO 13616 mod-97),
// number ranges, and whether a candidate stands alone or is a piece of a longer token (RE2 has no
// lookbehind). Internal to pii_detector.cpp; a header so that the checks read apart from matching.
#include <arpa/inet.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

namespace switchyard::policy::pii_checks {

enum class Check { None, Email, Phone, Ssn, Card, Iban, Ip };

inline bool isDigit(char c) { return c >= '0' && c <= '9'; }
inline bool isAlnum(char c) {
  return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
// Bytes >= 0x80 are not token characters: "電話555-123-4567" still holds a phone number.
inline bool isTokenChar(char c) { return isAlnum(c) || c == '_'; }

// A number glued to another by '.' or '-' ("1.2.3.4.5", "555-123-4567-89") is part of a longer
// token (a version, an id), not a value of its own; RE2 has no lookbehind to say so.
inline bool isolated(std::string_view t, std::size_t b, std::size_t e, bool colon_joins) {
  auto joins = [&](char c) { return c == '.' || c == '-' || (colon_joins && c == ':'); };
  if (b > 0) {
    char p = t[b - 1];
    if (isTokenChar(p) || (colon_joins && p == ':')) return false;
    if (b > 1 && joins(p) && isAlnum(t[b - 2])) return false;
  }
  if (e < t.size()) {
    char n = t[e];
    if (isTokenChar(n) || (colon_joins && n == ':')) return false;
    if (e + 1 < t.size() && joins(n) && isAlnum(t[e + 1])) return false;
  }
  return true;
}

inline std::size_t countDigits(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), isDigit));
}

inline bool luhnValid(std::string_view s) {
  int sum = 0, n = 0;
  for (auto it = s.rbegin(); it != s.rend(); ++it) {
    if (!isDigit(*it)) continue;
    int d = *it - '0';
    if (n++ % 2 == 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return n >= 13 && n <= 19 && sum % 10 == 0;
}

inline bool cardValid(std::string_view s) {
  // Major networks start with 2-6 (Mastercard 2/5, Amex/Diners/JCB 3, Visa 4, Discover/UnionPay 6);
  // it also rules out the all-zero run that passes Luhn.
  return s[0] >= '2' && s[0] <= '6' && luhnValid(s);
}

inline bool ssnValid(std::string_view s) {  // "AAA-GG-SSSS", shape guaranteed by the regex
  std::string_view area = s.substr(0, 3), group = s.substr(4, 2), serial = s.substr(7, 4);
  return area != "000" && area != "666" && area[0] != '9' && group != "00" && serial != "0000";
}

inline bool phoneValid(std::string_view s) {
  std::size_t digits = countDigits(s);
  return digits >= 10 && digits <= 15;
}

// IBAN lengths of the SWIFT registry, "CCnn" per country. Unknown countries are accepted at any
// legal length (15-34) when the checksum holds: new ones join the registry every year.
inline constexpr std::string_view kIbanLengths =
    "AD24AE23AL28AT20AZ28BA20BE16BG22BH22BI27BR29BY28CH21CR22CY28CZ24DE22DJ27DK18DO28EE20EG29"
    "ES24FI18FK18FO18FR27GB22GE22GI23GL18GR27GT28HR21HU28IE22IL23IQ23IS26IT27JO30KW30KZ20LB28"
    "LC32LI21LT20LU20LV21LY25MC27MD24ME22MK19MN20MR27MT31MU30NI28NL18NO15OM23PK24PL28PS29PT25"
    "QA29RO24RS22RU33SA24SC31SD18SE24SI19SK24SM27SO23ST25SV28TL23TN24TR26UA29VA22VG24XK20";

inline bool ibanValid(std::string_view s) {
  std::string compact;
  for (char c : s)
    if (c != ' ') compact += c;
  if (compact.size() < 15 || compact.size() > 34) return false;
  for (std::size_t i = 0; i < kIbanLengths.size(); i += 4) {
    if (kIbanLengths.substr(i, 2) != compact.substr(0, 2)) continue;
    auto len =
        static_cast<std::size_t>((kIbanLengths[i + 2] - '0') * 10 + (kIbanLengths[i + 3] - '0'));
    if (len != compact.size()) return false;
    break;
  }
  // ISO 13616: move the first four characters to the end, letters become 10..35, mod 97 == 1.
  unsigned remainder = 0;
  for (std::size_t i = 0; i < compact.size(); ++i) {
    char c = compact[(i + 4) % compact.size()];
    unsigned v = isDigit(c) ? static_cast<unsigned>(c - '0') : static_cast<unsigned>(c - 'A' + 10);
    remainder = (v >= 10 ? remainder * 100 + v : remainder * 10 + v) % 97;
  }
  return remainder == 1;
}

inline bool ipv4Valid(std::string_view s) {
  unsigned octet = 0;
  for (char c : s) {
    if (c == '.') {
      octet = 0;
      continue;
    }
    octet = octet * 10 + static_cast<unsigned>(c - '0');
    if (octet > 255) return false;
  }
  return true;
}

inline bool ipv6Valid(std::string_view s) {
  // "::1", "a::b" and "std::" are loopback, code or syntax, not someone's address: ask for two
  // groups and five hex digits at least, then let inet_pton judge the shape.
  std::size_t groups = 0, hex_digits = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == ':' || s[i] == '.') continue;
    ++hex_digits;
    if (i == 0 || s[i - 1] == ':') ++groups;
  }
  if (groups < 2 || hex_digits < 5 || s.size() > 45) return false;
  char buf[46];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  unsigned char addr[16];
  return inet_pton(AF_INET6, buf, addr) == 1;
}

// Validates a candidate [b, e); may shorten `e` (an IBAN followed by an upper-case word that the
// regex took as one more group). Returns false to drop the candidate.
inline bool validate(Check check, std::string_view t, std::size_t b, std::size_t& e) {
  std::string_view s = t.substr(b, e - b);
  switch (check) {
    case Check::None:
    case Check::Email:  // starts where its run of address characters starts: nothing to check
      return true;
    case Check::Phone:
      return phoneValid(s) && isolated(t, b, e, false);
    case Check::Ssn:
      return ssnValid(s) && isolated(t, b, e, false);
    case Check::Card:
      // "DE89 3704 0044 0532 0130 01" (a mistyped IBAN) holds a Luhn-valid run one time in ten:
      // digit groups that continue a number on their left are not a card of their own.
      if (b > 1 && t[b - 1] == ' ' && isDigit(t[b - 2])) return false;
      return cardValid(s) && isolated(t, b, e, false);
    case Check::Iban:
      // At most seven shorter tries of at most 34 characters each: still linear.
      while (!ibanValid(s)) {
        std::size_t space = s.rfind(' ');
        if (space == std::string_view::npos || space < 15) return false;
        s = s.substr(0, space);
      }
      e = b + s.size();
      return isolated(t, b, e, false);
    case Check::Ip:
      if (s.find(':') == std::string_view::npos) return ipv4Valid(s) && isolated(t, b, e, false);
      return ipv6Valid(s) && isolated(t, b, e, true);
  }
  return false;
}

}  // namespace switchyard::policy::pii_checks
