#include "coldstart/cluster/prewarm_plan.hpp"

#include "coldstart/core/error.hpp"
#include "coldstart/core/file.hpp"
#include "coldstart/image/reference.hpp"

namespace coldstart::cluster {

namespace {

const nlohmann::json& need(const nlohmann::json& object, const char* key, const std::string& where) {
  if (!object.is_object() || !object.contains(key))
    throw Error("prewarm manifests: " + where + " has no \"" + key + "\"",
                "pass a plan written by `coldstart analyze -o json` or --plan-out (docs/plan-schema.md)");
  return object.at(key);
}

std::string need_string(const nlohmann::json& object, const char* key, const std::string& where) {
  const auto& v = need(object, key, where);
  if (!v.is_string()) throw Error("prewarm manifests: " + where + "." + key + " is not a string");
  return v.get<std::string>();
}

std::uint64_t need_bytes(const nlohmann::json& object, const char* key, const std::string& where) {
  const auto& v = need(object, key, where);
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<std::int64_t>() >= 0))
    throw Error("prewarm manifests: " + where + "." + key + " is not a byte count");
  return v.get<std::uint64_t>();
}

bool is_registry_reference(const std::string& reference) {
  for (const char* transport : {"oci:", "oci-archive:", "docker-archive:"})
    if (reference.rfind(transport, 0) == 0) return false;
  return true;
}

}  // namespace

PrewarmPlan parse_prewarm_plan(const nlohmann::json& document, const std::string& source) {
  if (!document.is_object() || document.value("kind", "") != "coldstart-plan")
    throw Error("prewarm manifests: " + source + " is not a coldstart plan (kind \"coldstart-plan\")",
                "write one with `coldstart analyze IMAGE... --plan-out plan.json`");
  if (document.value("schema_version", 0) != 1)
    throw Error("prewarm manifests: " + source + " has schema_version " + document.value("schema_version", nlohmann::json(0)).dump() +
                ", this coldstart reads 1");
  PrewarmPlan plan;
  plan.document = document;
  const auto& images = need(document, "images", source);
  if (!images.is_array() || images.empty()) throw Error("prewarm manifests: " + source + " lists no images");
  for (std::size_t i = 0; i < images.size(); ++i) {
    std::string where = source + ": images[" + std::to_string(i) + "]";
    const auto& in = images[i];
    PrewarmImage image;
    image.repository = need_string(in, "repository", where);
    const auto& newest = need(in, "newest", where);
    image.reference = need_string(newest, "reference", where + ".newest");
    image.tag = newest.value("tag", "");
    image.manifest_digest = newest.value("manifest_digest", "");
    const auto& totals = need(in, "totals", where);
    image.image_bytes = need_bytes(totals, "image_bytes", where + ".totals");
    image.cache_bytes = need_bytes(totals, "cache_bytes", where + ".totals");
    image.p2p_bytes = need_bytes(totals, "p2p_bytes", where + ".totals");
    const auto& layers = need(in, "layers", where);
    if (!layers.is_array()) throw Error("prewarm manifests: " + where + ".layers is not a list");
    for (const auto& layer : layers) {
      std::string destination = layer.value("destination", "");
      PlanLayerRef ref{need_string(layer, "digest", where + ".layers[]"), need_bytes(layer, "size_bytes", where + ".layers[]")};
      if (destination == "cache") image.cache_layers.push_back(ref);
      else if (destination == "p2p") image.p2p_layers.push_back(ref);
    }
    plan.document["images"][i].erase("deep");  // file-level detail: large, and no node needs it
    plan.images.push_back(std::move(image));
  }
  return plan;
}

PrewarmPlan read_prewarm_plan(const std::filesystem::path& path) {
  std::string text = read_file(path, 64u << 20);
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error("prewarm manifests: " + path.string() + " is not JSON: " + e.what(),
                "pass the output of `coldstart analyze -o json` or --plan-out");
  }
  return parse_prewarm_plan(doc, path.string());
}

void resolve_pull_references(PrewarmPlan& plan, const std::vector<std::string>& overrides) {
  if (overrides.size() > plan.images.size())
    throw UsageError("prewarm manifests: " + std::to_string(overrides.size()) + " --image given for a plan of " +
                     std::to_string(plan.images.size()) + " image(s)");
  for (std::size_t i = 0; i < plan.images.size(); ++i) {
    auto& image = plan.images[i];
    std::string ref = i < overrides.size() ? overrides[i] : image.reference;
    if (ref.rfind("docker://", 0) == 0) ref = ref.substr(9);
    if (!is_registry_reference(ref))
      throw UsageError("prewarm manifests: plan image " + image.reference + " is not in a registry, so nodes cannot pull it",
                       "push it and pass --image REGISTRY/REPOSITORY:TAG (one per plan image, in order)");
    auto parsed = image::Reference::parse(ref);  // a clear error now rather than a manifest that never pulls
    image.pull_reference = ref;
    if (i < overrides.size()) {
      // The copy nodes read (daemonset ConfigMap) names the image as nodes pull it: an oci: path
      // means nothing there.
      auto& newest = plan.document["images"][i]["newest"];
      newest["reference"] = ref;
      plan.document["images"][i]["repository"] = parsed.registry + "/" + parsed.repository;
    }
  }
}

}  // namespace coldstart::cluster
