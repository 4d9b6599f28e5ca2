// eddyctl: the Eddy admin CLI. See docs/eddyctl.md.

#include <iostream>
#include <string>
#include <vector>

#include "cli/app/command.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return eddy::cli::run_eddyctl(args, std::cout, std::cerr);
}
