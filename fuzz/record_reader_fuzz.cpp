// csv / tsv / jsonl / txt records (RecordReader) and labelled tables (TableReader): the first
// byte picks the format, the rest is the file. Broken quoting, ragged rows, bad JSON and invalid
// UTF-8 must end in a RuntimeError naming file:line, never a crash or a silent wrong row.
#include "fuzz_support.h"
#include "lmforge/classify/table_reader.h"
#include "lmforge/common/record_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lmforge;
  if (size < 1) return 0;
  static const char* kExtensions[] = {".csv", ".tsv", ".jsonl", ".txt"};
  const int kind = data[0] % 4;
  const auto path = fuzz::scratch_file(data + 1, size - 1, kExtensions[kind]);
  fuzz::expect_clean_errors([&] {
    RecordReaderOptions o;
    o.column = "0";
    o.strict_quotes = (data[0] / 8) % 2;
    o.field = "text";
    o.on_invalid = (data[0] / 4) % 2 ? InvalidUtf8::kReplace : InvalidUtf8::kError;
    RecordReader reader(path, o);
    for (Record r; reader.next(r);) {
    }
  });
  if (kind == 3) return 0;
  fuzz::expect_clean_errors([&] {
    classify::TableReader reader(path, {.text_column = "text", .label_column = "label",
                                        .on_invalid = InvalidUtf8::kReplace});
    for (classify::TableRow row; reader.next(row);) {
    }
  });
  return 0;
}
