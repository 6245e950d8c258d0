// Stand-in for `lmforge tokenizer encode` while the CLI lacks it: reads lines from stdin and
// prints their ids space-separated, one line per input line (spm_encode --output_format=id).
// run.sh builds it against the library when the binary has no encode command.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "lmforge/tokenizer/tokenizer.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: encode_driver MODEL < text > ids\n");
    return 2;
  }
  const auto tok = lmforge::tok::Tokenizer::load(argv[1]);
  std::ios::sync_with_stdio(false);
  std::string line, out;
  std::vector<int> ids;
  while (std::getline(std::cin, line)) {
    ids.clear();
    tok->encode(line, ids);
    out.clear();
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (i > 0) out.push_back(' ');
      out += std::to_string(ids[i]);
    }
    out.push_back('\n');
    std::fwrite(out.data(), 1, out.size(), stdout);
  }
  return 0;
}
