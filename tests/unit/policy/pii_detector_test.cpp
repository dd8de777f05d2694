#include "policy/pii_detector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/config.h"
namespace switchyard::policy {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

config::PiiPolicy only(std::vector<std::string> detect) {
  config::PiiPolicy policy;
  policy.detect = std::move(detect);
  return policy;
}

// "kind:value" for each match, so failures print what was found.
std::vector<std::string> found(const PiiDetector& detector, std::string_view text) {
  std::vector<PiiMatch> matches;
  detector.scan(text, matches);
  std::vector<std::string> out;
  for (const PiiMatch& m : matches)
    out.push_back(std::string(m.kind) + ":" + std::string(text.substr(m.begin, m.end - m.begin)));
  return out;
}

std::vector<std::string> found(std::string_view text) {
  static const PiiDetector all{config::PiiPolicy{}};
  return found(all, text);
}

TEST(PiiDetector, FindsEmailAddresses) {
  EXPECT_THAT(found("mail john.doe+tag@mail.example.co.uk today"),
              ElementsAre("email:john.doe+tag@mail.example.co.uk"));
  EXPECT_THAT(found("<a_b@x-y.io>."), ElementsAre("email:a_b@x-y.io"));
  EXPECT_THAT(found("not an address: user@localhost, @handle, a@b"), IsEmpty());
}

TEST(PiiDetector, FindsPhoneNumbersInE164AndNanpFormats) {
  EXPECT_THAT(found("call +44 20 7946 0958 now"), ElementsAre("phone:+44 20 7946 0958"));
  EXPECT_THAT(found("call +14155552671."), ElementsAre("phone:+14155552671"));
  EXPECT_THAT(found("office (555) 123-4567, cell 555.123.4567"),
              ElementsAre("phone:(555) 123-4567", "phone:555.123.4567"));
  EXPECT_THAT(found("us 1-800-555-0199 or +1 (212) 555-0100"),
              ElementsAre("phone:1-800-555-0199", "phone:+1 (212) 555-0100"));
}

TEST(PiiDetector, LeavesNumbersThatAreNotPhonesAlone) {
  EXPECT_THAT(found("version 1.2.3.4.5 released"), IsEmpty());
  EXPECT_THAT(found("on 2024-01-15 at 10:30:00"), IsEmpty());
  EXPECT_THAT(found("order 5551234567 and ORD-555-123-4567-01"), IsEmpty());
  EXPECT_THAT(found("+1 555 12"), IsEmpty());  // too few digits
  EXPECT_THAT(found("id ab555-123-4567"), IsEmpty());
  EXPECT_THAT(found("sizes 100 200 3000 and 1.555.123.4567.8"), IsEmpty());
}

TEST(PiiDetector, FindsValidSocialSecurityNumbersOnly) {
  EXPECT_THAT(found("ssn 123-45-6789."), ElementsAre("ssn:123-45-6789"));
  EXPECT_THAT(found("000-12-3456 666-12-3456 912-12-3456 123-00-4567 123-45-0000"), IsEmpty());
  EXPECT_THAT(found("part 1123-45-6789"), IsEmpty());
}

TEST(PiiDetector, FindsLuhnValidCardNumbers) {
  EXPECT_THAT(found("visa 4111 1111 1111 1111 exp 12/27"), ElementsAre("card:4111 1111 1111 1111"));
  EXPECT_THAT(found("mc 5555-5555-5555-4444;"), ElementsAre("card:5555-5555-5555-4444"));
  EXPECT_THAT(found("amex 378282246310005 / 3782 822463 10005"),
              ElementsAre("card:378282246310005", "card:3782 822463 10005"));
  EXPECT_THAT(found("4111 1111 1111 1112"), IsEmpty());   // Luhn fails
  EXPECT_THAT(found("0000 0000 0000 0000"), IsEmpty());   // passes Luhn, no network
  EXPECT_THAT(found("41111111111111112222"), IsEmpty());  // 20 digits
  EXPECT_THAT(found("visa4222222222222"), IsEmpty());     // glued to a word
  EXPECT_THAT(found("old visa 4222222222222."), ElementsAre("card:4222222222222"));
  EXPECT_THAT(found("4111 1111 1111 11 and 4111 111111 1111"), IsEmpty());  // not a card layout
  EXPECT_THAT(found("ref 12 4111 1111 1111 1111"), IsEmpty());              // continues a number
}

TEST(PiiDetector, FindsIbansWithValidChecksum) {
  EXPECT_THAT(found("pay to DE89 3704 0044 0532 0130 00 please"),
              ElementsAre("iban:DE89 3704 0044 0532 0130 00"));
  EXPECT_THAT(found("GB82WEST12345698765432"), ElementsAre("iban:GB82WEST12345698765432"));
  EXPECT_THAT(found("GB82 WEST 1234 5698 7654 32 TODAY"),
              ElementsAre("iban:GB82 WEST 1234 5698 7654 32"));
  // The regex takes CASH as one more group of four; the checksum gives it back.
  EXPECT_THAT(found("BE68 5390 0754 7034 CASH"), ElementsAre("iban:BE68 5390 0754 7034"));
  EXPECT_THAT(found("DE89 3704 0044 0532 0130 01"), IsEmpty());  // checksum
  EXPECT_THAT(found("DE89370400440532013000AB"), IsEmpty());     // German IBANs have 22 characters
}

TEST(PiiDetector, FindsIpAddresses) {
  EXPECT_THAT(found("from 192.168.1.20, to 10.0.0.1."),
              ElementsAre("ip:192.168.1.20", "ip:10.0.0.1"));
  EXPECT_THAT(found("v6 2001:db8:85a3::8a2e:370:7334 and fe80::1"),
              ElementsAre("ip:2001:db8:85a3::8a2e:370:7334", "ip:fe80::1"));
  EXPECT_THAT(found("mapped ::ffff:192.0.2.1"), ElementsAre("ip:::ffff:192.0.2.1"));
  EXPECT_THAT(found("999.1.1.1 and 1.2.3.256 and 1.2.3"), IsEmpty());
  EXPECT_THAT(found("std::vector, a::b, 12:30:45, 00:1A:2B:3C:4D:5E, ::1"), IsEmpty());
}

TEST(PiiDetector, ReportsPositionsInMixedTextInOrder) {
  static const PiiDetector all{config::PiiPolicy{}};
  std::string text = "Write to ann@example.org or call +1 415 555 2671; card 4111111111111111.";
  std::vector<PiiMatch> matches;
  all.scan(text, matches);
  ASSERT_EQ(matches.size(), 3u);
  EXPECT_EQ(matches[0].kind, "email");
  EXPECT_EQ(matches[0].begin, text.find("ann@"));
  EXPECT_EQ(matches[0].end, text.find(" or"));
  EXPECT_EQ(matches[1].kind, "phone");
  EXPECT_EQ(matches[1].begin, text.find("+1"));
  EXPECT_EQ(matches[1].end, text.find(';'));
  EXPECT_EQ(matches[2].kind, "card");
  EXPECT_EQ(matches[2].end, text.size() - 1);
}

TEST(PiiDetector, FindsValuesFarApartAndAtBothEnds) {
  std::string prose;
  while (prose.size() < 10000) prose += "Nothing to see here, 42 times over in 2024. ";
  std::string text = "555-123-4567 " + prose + "a@b.io, 4111111111111111 " + prose + "10.0.0.1";
  EXPECT_THAT(found(text), ElementsAre("phone:555-123-4567", "email:a@b.io",
                                       "card:4111111111111111", "ip:10.0.0.1"));
}

// The detector searches each kind only around the hits of one combined pass; it must find what
// each kind's detector finds alone, merged by the documented rule.
TEST(PiiDetector, AllKindsTogetherFindWhatEachFindsAlone) {
  const std::vector<std::string> kinds = {"email", "phone", "ssn", "card", "iban", "ip"};
  std::vector<std::unique_ptr<PiiDetector>> alone;
  for (const std::string& kind : kinds) alone.push_back(std::make_unique<PiiDetector>(only({kind})));
  const std::vector<std::string> pieces = {
      "a@b.io", "555-123-4567", "+44 20 7946 0958", "123-45-6789", "4111 1111 1111 1111",
      "DE89 3704 0044 0532 0130 00", "10.0.0.1", "fe80::1", "1.2.3", "2024", "x", " ", " ",
      ".", "-", ":", "@", "\n", "AB", "12", "(", ")", "+",
      std::string(150, 'z')};  // gaps wider than the detector's regions
  std::mt19937 random(12);
  for (int round = 0; round < 500; ++round) {
    std::string text;
    for (int i = 0; i < 60; ++i) text += pieces[random() % pieces.size()];
    struct Hit {
      std::size_t begin, end, kind;
    };
    std::vector<Hit> hits;
    for (std::size_t k = 0; k < kinds.size(); ++k) {
      std::vector<PiiMatch> matches;
      alone[k]->scan(text, matches);
      for (const PiiMatch& m : matches) hits.push_back({m.begin, m.end, k});
    }
    std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
      if (a.begin != b.begin) return a.begin < b.begin;
      if (a.end != b.end) return a.end > b.end;
      return a.kind < b.kind;
    });
    std::vector<std::string> expected;
    std::size_t covered = 0;
    for (const Hit& h : hits) {
      if (h.begin < covered) continue;
      expected.push_back(kinds[h.kind] + ":" + text.substr(h.begin, h.end - h.begin));
      covered = h.end;
    }
    ASSERT_EQ(found(text), expected) << text;
  }
}

TEST(PiiDetector, FindsValuesBetweenMultibyteCharacters) {
  EXPECT_THAT(found("電話：555-123-4567、メール：山田@例え.jp or taro@example.jp。"),
              ElementsAre("phone:555-123-4567", "email:taro@example.jp"));
  EXPECT_THAT(found("Grüße — café 10.1.2.3 ✓"), ElementsAre("ip:10.1.2.3"));
}

TEST(PiiDetector, RunsCustomPatternsAfterTheBuiltIns) {
  config::PiiPolicy policy = only({"email"});
  policy.patterns.push_back({"employee_id", R"(\bEMP-\d{6}\b)"});
  policy.patterns.push_back({"project", R"(Project (?:Falcon|Eagle))"});
  PiiDetector detector(policy);
  EXPECT_THAT(found(detector, "EMP-123456 (a@b.io) works on Project Eagle; EMP-12 does not"),
              ElementsAre("employee_id:EMP-123456", "email:a@b.io", "project:Project Eagle"));
}

TEST(PiiDetector, OnTheSameStartTheLongerMatchWins) {
  config::PiiPolicy policy = only({"email"});
  policy.patterns.push_back({"user", R"(\bjohn\b)"});
  PiiDetector detector(policy);
  EXPECT_THAT(found(detector, "john@example.com and john"),
              ElementsAre("email:john@example.com", "user:john"));
}

TEST(PiiDetector, RunsOnlyTheBuiltInsAsked) {
  PiiDetector detector(only({"ssn", "ip"}));
  EXPECT_THAT(found(detector, "a@b.io 123-45-6789 4111111111111111 10.0.0.1"),
              ElementsAre("ssn:123-45-6789", "ip:10.0.0.1"));
  EXPECT_FALSE(detector.empty());
}

TEST(PiiDetector, BadCustomPatternNamesItAndRe2sError) {
  config::PiiPolicy policy;
  policy.patterns.push_back({"ticket", "TKT-(\\d+"});
  try {
    PiiDetector detector(policy);
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("'ticket'"));
    EXPECT_THAT(e.what(), ::testing::HasSubstr("missing )"));
  }
  policy.patterns = {{"backref", R"((a)\1)"}};
  EXPECT_THROW(PiiDetector{policy}, std::invalid_argument);  // RE2 has no backreferences
  policy.patterns = {{"anything", "x*"}};
  EXPECT_THROW(PiiDetector{policy}, std::invalid_argument);  // matches the empty string
  EXPECT_THROW(PiiDetector{only({"passport"})}, std::invalid_argument);
}

TEST(PiiDetector, HostileInputFinishes) {
  static const PiiDetector all{config::PiiPolicy{}};
  std::vector<PiiMatch> matches;
  const std::size_t mb = 1 << 20;
  std::string at_digits;
  for (std::size_t i = 0; at_digits.size() < mb; ++i)
    at_digits += (i % 3 == 0) ? '@' : char('0' + i % 10);
  all.scan(at_digits, matches);
  all.scan(std::string(mb, '1'), matches);
  all.scan(std::string(mb, ':'), matches);
  std::string nested(mb / 2, '[');
  nested.append(mb / 2, ']');
  all.scan(nested, matches);
  std::string dotted;
  while (dotted.size() < mb) dotted += "1.";
  all.scan(dotted, matches);
  std::string local;
  while (local.size() < mb) local += "a.b-c+";
  all.scan(local + "@", matches);
  std::string groups = "DE89";
  while (groups.size() < mb) groups += " ABCD";
  all.scan(groups, matches);
  // Where every other match of one kind sits inside a run another kind could still extend (an
  // address's local part), a leftmost-longest search once read to the end after each match.
  std::string versions = "a@";
  while (versions.size() < mb) versions += "1.2.3.4.";
  all.scan(versions, matches);
  std::string pluses;
  while (pluses.size() < mb) pluses += "+1 ";
  all.scan(pluses, matches);
  EXPECT_TRUE(matches.empty());
  std::string phones;
  while (phones.size() < mb) phones += "222 222 2222 ";
  all.scan(phones, matches);
  EXPECT_EQ(matches.size(), (phones.size() + 12) / 13);
  matches.clear();
  std::string addresses;
  while (addresses.size() < mb) addresses += "a@b.co.";
  all.scan(addresses, matches);
  EXPECT_FALSE(matches.empty());
  matches.clear();
  std::string many;
  while (many.size() < mb) many += "x@y.io 10.0.0.1 ";
  all.scan(many, matches);
  EXPECT_EQ(matches.size(), 2 * (many.size() / 16));
}

}  // namespace
}  // namespace switchyard::policy
