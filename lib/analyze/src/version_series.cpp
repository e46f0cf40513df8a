#include "coldstart/analyze/version_series.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <map>

#include "coldstart/core/digest.hpp"

namespace coldstart::analyze {

namespace {

// The history entries that produced layers, in order (empty_layer entries describe no layer).
// When history and layers disagree in number, the history is not trusted for any layer.
std::vector<std::string> created_by_per_layer(const image::ImageConfig& config, std::size_t layer_count) {
  std::vector<std::string> steps;
  for (const auto& h : config.history)
    if (!h.empty_layer) steps.push_back(h.created_by);
  if (steps.size() != layer_count) steps.assign(layer_count, "");
  return steps;
}

}  // namespace

std::uint64_t ImageVersion::size() const {
  std::uint64_t total = 0;
  for (const auto& l : layers) total += l.size;
  return total;
}

ImageName split_image_name(std::string_view image) {
  std::string s(image);
  // The part after the transport is where a tag or digest may be; a port's ':' comes before a '/'.
  std::size_t body = 0;
  for (std::string_view prefix : {"docker://", "oci:", "oci-archive:", "docker-archive:"}) {
    if (s.rfind(prefix, 0) == 0) {
      body = prefix.size();
      break;
    }
  }
  if (auto at = s.find('@', body); at != std::string::npos) return {s.substr(0, at), s.substr(at + 1)};
  auto slash = s.rfind('/');
  auto colon = s.rfind(':');
  if (colon != std::string::npos && colon >= body && (slash == std::string::npos || colon > slash) &&
      colon + 1 < s.size())
    return {s.substr(0, colon), s.substr(colon + 1)};
  return {s, ""};
}

std::string image_with_tag(const ImageName& name, std::string_view tag) {
  return name.repository + ":" + std::string(tag);
}

std::string short_step(std::string_view created_by, std::size_t width) {
  std::string s(created_by);
  for (char& c : s)
    if (c == '\n' || c == '\t') c = ' ';
  auto replace_prefix = [&](std::string_view from, std::string_view to) {
    if (s.rfind(from, 0) == 0) s = std::string(to) + s.substr(from.size());
  };
  replace_prefix("/bin/sh -c #(nop) ", "");
  replace_prefix("/bin/sh -c ", "RUN ");
  replace_prefix("RUN /bin/sh -c ", "RUN ");
  while (!s.empty() && s.back() == ' ') s.pop_back();
  constexpr std::string_view kBuildkit = " # buildkit";
  if (s.size() >= kBuildkit.size() && s.compare(s.size() - kBuildkit.size(), kBuildkit.size(), kBuildkit) == 0)
    s.erase(s.size() - kBuildkit.size());
  while (!s.empty() && s.front() == ' ') s.erase(s.begin());
  if (width >= 4 && s.size() > width) s = s.substr(0, width - 3) + "...";
  return s;
}

ImageVersion make_image_version(const image::ResolvedImage& image) {
  ImageVersion v;
  v.reference = image.reference;
  ImageName name = split_image_name(image.reference);
  v.repository = name.repository;
  v.tag = name.tag.empty() ? short_digest(image.manifest_digest) : name.tag;
  if (v.tag.rfind("sha256:", 0) == 0) v.tag = short_digest(v.tag);
  v.created = image.config.created;
  v.manifest_digest = image.manifest_digest;
  const auto& layers = image.manifest.layers;
  bool have_diff_ids = image.config.diff_ids.size() == layers.size();
  auto steps = created_by_per_layer(image.config, layers.size());
  for (std::size_t i = 0; i < layers.size(); ++i) {
    VersionLayer l;
    l.digest = layers[i].digest;
    l.id = have_diff_ids ? image.config.diff_ids[i] : layers[i].digest;
    l.media_type = layers[i].media_type;
    l.size = layers[i].size > 0 ? static_cast<std::uint64_t>(layers[i].size) : 0;
    l.created_by = steps[i];
    v.layers.push_back(std::move(l));
  }
  return v;
}

std::vector<VersionSeries> group_into_series(std::vector<ImageVersion> versions) {
  std::vector<VersionSeries> series;
  std::map<std::string, std::size_t> index;
  for (auto& v : versions) {
    auto [it, added] = index.emplace(v.repository, series.size());
    if (added) series.push_back({v.repository, {}});
    series[it->second].versions.push_back(std::move(v));
  }
  for (auto& s : series) {
    // Sorted only when every version is dated; otherwise the order given is the best we know.
    bool all_dated = std::all_of(s.versions.begin(), s.versions.end(),
                                 [](const auto& v) { return parse_created(v.created).has_value(); });
    if (all_dated)
      std::stable_sort(s.versions.begin(), s.versions.end(), [](const ImageVersion& a, const ImageVersion& b) {
        return *parse_created(a.created) < *parse_created(b.created);
      });
  }
  return series;
}

std::optional<double> parse_created(std::string_view text) {
  int year, month, day, hour, minute, second, consumed = 0;
  std::string s(text);
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute, &second,
                  &consumed) != 6)
    return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  std::size_t pos = static_cast<std::size_t>(consumed);
  double fraction = 0;
  if (pos < s.size() && s[pos] == '.') {
    std::size_t end = pos + 1;
    while (end < s.size() && std::isdigit(static_cast<unsigned char>(s[end]))) ++end;
    fraction = std::stod("0" + s.substr(pos, end - pos));
    pos = end;
  }
  long offset = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (std::sscanf(s.c_str() + pos + 1, "%2d:%2d", &oh, &om) != 2) return std::nullopt;
    offset = (s[pos] == '-' ? -1 : 1) * (oh * 3600L + om * 60L);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<double>(timegm(&tm) - offset) + fraction;
}

std::vector<ImageVersion> newest_versions(std::vector<ImageVersion> versions, std::size_t count) {
  auto key = [](const ImageVersion& v) { return parse_created(v.created).value_or(-1e18); };
  std::stable_sort(versions.begin(), versions.end(),
                   [&](const ImageVersion& a, const ImageVersion& b) { return key(a) < key(b); });
  if (versions.size() > count) versions.erase(versions.begin(), versions.end() - static_cast<std::ptrdiff_t>(count));
  return versions;
}

}  // namespace coldstart::analyze
