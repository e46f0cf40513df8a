// Text from outside (a path in a hostile image, a registry's error body) shown on a terminal: one
// line of plain text. A newline would split an error line or a table row, an escape sequence would
// drive the user's terminal, so control bytes are shown escaped: "\n", "\t", "\x1b".
#pragma once
#include <string>
#include <string_view>

namespace coldstart {

std::string one_line(std::string_view text);

}  // namespace coldstart
