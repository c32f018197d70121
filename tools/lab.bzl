"""Build rules shared by every lab.

A lab is built from three kinds of code:
  given    headers and sources every student receives unchanged (labs/<id>/include, given/);
  student  the allow-listed files a student edits (labs/<id>/student/ holds the skeleton);
  tests    public tests (labs/<id>/tests) and hidden tests (labs/<id>/hidden).

`lab_component` picks which implementation of the student files is built
(skeleton, reference or a submission; see //tools:BUILD and .bazelrc).

`lab_test_suite` makes, for one group of tests:
  <name>_tests  the test code as a library (never the student files);
  <name>_test   a cc_test linking the tests with the lab's component;
  <name>_kit    a "grading kit": everything the grader needs to compile a
                submission's files and link them with the tests, outside Bazel,
                in a sandbox (see grader/build.h).
"""

load("@bazel_tools//tools/cpp:toolchain_utils.bzl", "find_cpp_toolchain")
load("@bazel_tools//tools/build_defs/cc:action_names.bzl", "ACTION_NAMES")
load("@rules_cc//cc:defs.bzl", "cc_library", "cc_test")

def lab_component(name, lab, student_srcs, deps = [], reference = None, **kwargs):
    """The lab's component: `deps` (the given code) plus one implementation of the student files.

    `reference` is the package holding the reference files (default //solutions/<lab>).
    """
    reference = reference or "//solutions/" + lab
    cc_library(
        name = name,
        srcs = select({
            "//tools:impl_reference": ["%s:%s" % (reference, f) for f in student_srcs],
            "//tools:impl_submission": ["@submission//:" + lab],
            "//conditions:default": student_srcs,
        }),
        deps = deps,
        alwayslink = True,
        **kwargs
    )

def lab_test_suite(name, srcs, component, deps = [], size = "small", timeout = None, tags = [], **kwargs):
    """Tests as a library, a cc_test against `component`, and a grading kit."""
    cc_library(
        name = name + "_tests",
        testonly = True,
        srcs = srcs,
        deps = deps + [
            "//grader/harness",
            "@com_google_googletest//:gtest",
        ],
        alwayslink = True,
        **kwargs
    )
    cc_test(
        name = name + "_test",
        size = size,
        timeout = timeout,
        tags = tags,
        deps = [
            ":" + name + "_tests",
            component,
            "//grader/harness:main",
        ],
    )
    lab_kit(
        name = name + "_kit",
        testonly = True,
        compile_deps = [component],
        deps = [
            ":" + name + "_tests",
            "//grader/harness:main",
        ],
    )

def _path(file):
    return file.path

def _flags(feature_configuration, action, variables):
    return cc_common.get_memory_inefficient_command_line(
        feature_configuration = feature_configuration,
        action_name = action,
        variables = variables,
    )

def _lab_kit_impl(ctx):
    cc_toolchain = find_cpp_toolchain(ctx)
    feature_configuration = cc_common.configure_features(
        ctx = ctx,
        cc_toolchain = cc_toolchain,
        requested_features = ctx.features,
        unsupported_features = ctx.disabled_features,
    )
    cpp = ctx.fragments.cpp
    compile_variables = cc_common.create_compile_variables(
        feature_configuration = feature_configuration,
        cc_toolchain = cc_toolchain,
        user_compile_flags = cpp.copts + cpp.cxxopts,
    )
    link_variables = cc_common.create_link_variables(
        feature_configuration = feature_configuration,
        cc_toolchain = cc_toolchain,
        user_link_flags = cpp.linkopts,
        is_linking_dynamic_library = False,
        is_static_linking_mode = False,
    )

    merged = cc_common.merge_cc_infos(cc_infos = [d[CcInfo] for d in ctx.attr.deps])

    # What a submission's files compile against: the lab's component (its given
    # headers and the labs it builds on), never the tests' own headers. Every
    # kit of a lab in one configuration so compiles a submission alike, and the
    # grader compiles it once for them all (grader/kit.h, compile_key).
    compile_infos = [d[CcInfo] for d in ctx.attr.compile_deps] or [d[CcInfo] for d in ctx.attr.deps]
    compilation = cc_common.merge_cc_infos(cc_infos = compile_infos).compilation_context

    files = []
    link_inputs = []
    link_flags = []
    for linker_input in merged.linking_context.linker_inputs.to_list():
        for library in linker_input.libraries:
            archive = library.static_library or library.pic_static_library
            if archive:
                files.append(archive)
                link_inputs.append({"path": archive.path, "whole_archive": library.alwayslink})
            elif library.dynamic_library:
                files.append(library.dynamic_library)
                link_inputs.append({"path": library.dynamic_library.path, "whole_archive": False})
        link_flags += linker_input.user_link_flags
        files += linker_input.additional_inputs

    # Sorted, so that kits of one lab in one configuration list the same
    # include directories and headers in the same order, whatever the order
    # of their deps: the grader then compiles a submission once for them all
    # (grader/kit.h, compile_key). Include directories hold disjoint headers
    # (or the same file twice, through _virtual_includes), so order does not
    # change what an #include finds.
    headers = sorted(compilation.headers.to_list(), key = _path)

    # Where each file sits in a runfiles tree (for tests that use a kit as data).
    short_paths = {f.path: f.short_path for f in files + headers}
    kit = {
        "compiler": cc_common.get_tool_for_action(
            feature_configuration = feature_configuration,
            action_name = ACTION_NAMES.cpp_compile,
        ),
        "compile_flags": _flags(feature_configuration, ACTION_NAMES.cpp_compile, compile_variables),
        "defines": sorted(compilation.defines.to_list()),
        "quote_includes": sorted(compilation.quote_includes.to_list()),
        "includes": sorted(compilation.includes.to_list()),
        "system_includes": sorted(compilation.system_includes.to_list()),
        "headers": [h.path for h in headers],
        "linker": cc_common.get_tool_for_action(
            feature_configuration = feature_configuration,
            action_name = ACTION_NAMES.cpp_link_executable,
        ),
        "link_inputs": link_inputs,
        "short_paths": short_paths,
        "link_flags": link_flags + _flags(
            feature_configuration,
            ACTION_NAMES.cpp_link_executable,
            link_variables,
        ),
    }
    manifest = ctx.actions.declare_file(ctx.label.name + ".kit.json")
    ctx.actions.write(manifest, json.encode_indent(kit) + "\n")
    return [DefaultInfo(files = depset([manifest] + files + headers))]

lab_kit = rule(
    implementation = _lab_kit_impl,
    attrs = {
        "compile_deps": attr.label_list(providers = [CcInfo]),
        "deps": attr.label_list(providers = [CcInfo]),
        "_cc_toolchain": attr.label(default = "@bazel_tools//tools/cpp:current_cc_toolchain"),
    },
    fragments = ["cpp"],
    toolchains = ["@bazel_tools//tools/cpp:toolchain_type"],
)
