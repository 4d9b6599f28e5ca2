#pragma once
// Aligned text tables for people: a header row in capitals and columns padded to their widest
// cell, like kafka-consumer-groups.sh and rpk print them.

#include <string>
#include <vector>

namespace eddy::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }
  std::string render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace eddy::cli
