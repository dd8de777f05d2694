#include "policy/pii_redactor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "policy/pii_restorer.h"

namespace switchyard::policy {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;
using Mapping = std::vector<std::pair<std::string, std::string>>;

const PiiDetector& allDetectors() {
  static const PiiDetector detector{config::PiiPolicy{}};
  return detector;
}

TEST(PiiRedactor, NumbersPlaceholdersPerKindAndReusesThemForTheSameValue) {
  PiiRedactor redactor(allDetectors());
  std::string first = "a@x.io wrote to b@x.io about 4111 1111 1111 1111";
  std::string second = "b@x.io again, and a@x.io; 555-123-4567";
  EXPECT_TRUE(redactor.redact(first));
  EXPECT_TRUE(redactor.redact(second));
  EXPECT_EQ(first, "[EMAIL_1] wrote to [EMAIL_2] about [CARD_1]");
  EXPECT_EQ(second, "[EMAIL_2] again, and [EMAIL_1]; [PHONE_1]");
  EXPECT_THAT(
      redactor.mapping(),
      ElementsAre(Pair("[EMAIL_1]", "a@x.io"), Pair("[EMAIL_2]", "b@x.io"),
                  Pair("[CARD_1]", "4111 1111 1111 1111"), Pair("[PHONE_1]", "555-123-4567")));
}

TEST(PiiRedactor, CountsEveryOccurrenceInFirstSeenOrder) {
  PiiRedactor redactor(allDetectors());
  EXPECT_TRUE(redactor.inspect("card 4111111111111111, mail a@x.io"));
  EXPECT_FALSE(redactor.inspect("nothing here, 42 apples"));
  std::string text = "a@x.io and 10.0.0.1";
  EXPECT_TRUE(redactor.redact(text));
  EXPECT_THAT(redactor.found(), ElementsAre(Pair("card", 1u), Pair("email", 2u), Pair("ip", 1u)));
}

TEST(PiiRedactor, InspectChangesNothingAndMapsNothing) {
  PiiRedactor redactor(allDetectors());
  EXPECT_TRUE(redactor.inspect("ssn 123-45-6789"));
  EXPECT_THAT(redactor.mapping(), IsEmpty());
  std::string clean = "no values here";
  EXPECT_FALSE(redactor.redact(clean));
  EXPECT_EQ(clean, "no values here");
}

TEST(PiiRedactor, CustomKindsAreUpperCasedIntoSafePlaceholders) {
  config::PiiPolicy policy;
  policy.detect = {"email"};
  policy.patterns = {{"employee_id", R"(\bEMP-\d{4}\b)"}, {"badge-no", R"(\bB\d{3}\b)"}};
  PiiDetector detector(policy);
  PiiRedactor redactor(detector);
  std::string text = "EMP-1234, EMP-9999, B123, EMP-1234";
  redactor.redact(text);
  EXPECT_EQ(text, "[EMPLOYEE_ID_1], [EMPLOYEE_ID_2], [BADGE_NO_1], [EMPLOYEE_ID_1]");
}

TEST(PiiRedactor, RedactThenRestoreGivesTheOriginalBack) {
  PiiRedactor redactor(allDetectors());
  const std::string original =
      "Dear Ann (ann@example.org, +44 20 7946 0958), your IBAN DE89 3704 0044 0532 0130 00 and "
      "card 5555-5555-5555-4444 are on file; write ann@example.org again.";
  std::string text = original;
  redactor.redact(text);
  EXPECT_EQ(text.find("ann@"), std::string::npos);
  PiiRestorer restorer(redactor.mapping());
  restorer.restore(text);
  EXPECT_EQ(text, original);
}

TEST(PiiRestorer, LeavesUnknownAndMalformedPlaceholdersAlone) {
  PiiRestorer restorer(Mapping{{"[EMAIL_1]", "a@x.io"}});
  std::string text = "[EMAIL_1] [EMAIL_2] [email_1] [EMAIL_1 [[EMAIL_1]] [] [ [EMAIL_1]";
  restorer.restore(text);
  EXPECT_EQ(text, "a@x.io [EMAIL_2] [email_1] [EMAIL_1 [a@x.io] [] [ a@x.io");
}

TEST(PiiRestorer, RestoreJsonEscapesTheValue) {
  PiiRestorer restorer(
      Mapping{{"[NAME_1]", "Ann \"Q\" O\\Brien\n\x01"}, {"[EMAIL_1]", "ann@x.io"}});
  std::string json = R"({"content":"Hi [NAME_1] <[EMAIL_1]>"})";
  restorer.restoreJson(json);
  EXPECT_EQ(json, R"({"content":"Hi Ann \"Q\" O\\Brien\n\u0001 <ann@x.io>"})");
}

TEST(PiiRestorer, EmptyMappingChangesNothing) {
  PiiRestorer restorer(Mapping{});
  std::string text = "[EMAIL_1]";
  restorer.restore(text);
  EXPECT_EQ(text, "[EMAIL_1]");
  PiiStreamRestorer stream(restorer);
  EXPECT_EQ(stream.feed("[EMA"), "[EMA");
}

// Feeds `pieces` and returns what the client would see, checking nothing is lost or duplicated.
std::string streamed(const PiiRestorer& restorer, const std::vector<std::string>& pieces) {
  PiiStreamRestorer stream(restorer);
  std::string shown;
  for (const std::string& piece : pieces) shown += stream.feed(piece);
  return shown + stream.finish();
}

TEST(PiiStreamRestorer, RestoresAPlaceholderSplitAtEveryPositionInTwoDeltas) {
  PiiRestorer restorer(Mapping{{"[EMAIL_1]", "a@x.io"}, {"[EMAIL_12]", "b@y.io"}});
  const std::string answer = "Mail [EMAIL_1] or [EMAIL_12] now [x]";
  for (std::size_t cut = 0; cut <= answer.size(); ++cut) {
    EXPECT_EQ(streamed(restorer, {answer.substr(0, cut), answer.substr(cut)}),
              "Mail a@x.io or b@y.io now [x]")
        << "cut at " << cut;
  }
}

TEST(PiiStreamRestorer, RestoresAPlaceholderSplitAcrossThreeDeltas) {
  PiiRestorer restorer(Mapping{{"[PHONE_1]", "555-123-4567"}});
  const std::string answer = "call [PHONE_1].";
  for (std::size_t a = 0; a <= answer.size(); ++a) {
    for (std::size_t b = a; b <= answer.size(); ++b) {
      EXPECT_EQ(
          streamed(restorer, {answer.substr(0, a), answer.substr(a, b - a), answer.substr(b)}),
          "call 555-123-4567.")
          << "cuts at " << a << ", " << b;
    }
  }
}

TEST(PiiStreamRestorer, HoldsBackOnlyWhatCouldStillBecomeAPlaceholder) {
  PiiRestorer restorer(Mapping{{"[EMAIL_1]", "a@x.io"}});
  PiiStreamRestorer stream(restorer);
  EXPECT_EQ(stream.feed("see [EM"), "see ");
  EXPECT_EQ(stream.feed("BED] ok ["), "[EMBED] ok ");  // "[EMB" is no placeholder's start
  EXPECT_EQ(stream.feed("1]"), "[1]");
  EXPECT_EQ(stream.feed("[EMAIL_1"), "");
  EXPECT_EQ(stream.feed("]"), "a@x.io");
  EXPECT_EQ(stream.feed("[EMAIL"), "");
  EXPECT_EQ(stream.finish(), "[EMAIL");  // the stream ended: a '[' that never became one
  EXPECT_EQ(stream.finish(), "");
}

}  // namespace
}  // namespace switchyard::policy
