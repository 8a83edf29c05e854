//! Plain HTTP GET of files under one directory, never outside it.

use std::path::{Path, PathBuf};

use wsframe_std::{HttpRequest, HttpResponse};

/// The directory to serve: the one given, else the repository's frame inspector page
/// (looked up from the working directory, then from this crate's own directory).
pub fn root(given: Option<PathBuf>) -> Option<PathBuf> {
    if given.is_some() {
        return given;
    }
    [
        PathBuf::from("examples/frame-inspector"),
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../frame-inspector"),
    ]
    .into_iter()
    .find(|p| p.is_dir())
}

/// Answers `request` from the files under `root` (already canonical).
pub fn serve(root: &Path, request: &HttpRequest<'_>) -> HttpResponse {
    if request.method != "GET" && request.method != "HEAD" {
        return HttpResponse {
            status: 405,
            content_type: "text/plain; charset=utf-8".to_owned(),
            body: b"method not allowed\n".to_vec(),
        };
    }
    let Some(path) = resolve(root, request.path) else {
        return HttpResponse::not_found();
    };
    match std::fs::read(&path) {
        Ok(body) => HttpResponse {
            status: 200,
            content_type: content_type(&path).to_owned(),
            body,
        },
        Err(_) => HttpResponse::not_found(),
    }
}

/// The file a request target names, if it lies under `root`: the query is dropped,
/// `%XX` escapes decoded, `.`/`..` segments and backslashes refused, `/` means
/// `index.html`, and the result (symlinks resolved) must still be under `root`.
pub fn resolve(root: &Path, target: &str) -> Option<PathBuf> {
    let path = target.split(['?', '#']).next()?;
    let decoded = percent_decode(path)?;
    if !decoded.starts_with('/') || decoded.contains(['\\', '\0']) {
        return None;
    }
    let mut file = root.to_path_buf();
    for segment in decoded.split('/').filter(|s| !s.is_empty()) {
        if segment == "." || segment == ".." {
            return None;
        }
        file.push(segment);
    }
    if file.is_dir() {
        file.push("index.html");
    }
    let file = file.canonicalize().ok()?;
    (file.starts_with(root) && file.is_file()).then_some(file)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "wasm" => "application/wasm",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("echo-static-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("index.html"), "<p>hi</p>").unwrap();
        std::fs::write(dir.join("sub/a b.js"), "1").unwrap();
        dir.canonicalize().unwrap()
    }

    #[test]
    fn serves_files_under_root_only() {
        let root = tree();
        assert_eq!(resolve(&root, "/"), Some(root.join("index.html")));
        assert_eq!(
            resolve(&root, "/index.html?x=1"),
            Some(root.join("index.html"))
        );
        assert_eq!(
            resolve(&root, "/sub/a%20b.js"),
            Some(root.join("sub/a b.js"))
        );
        assert_eq!(resolve(&root, "/../etc/passwd"), None);
        assert_eq!(resolve(&root, "/sub/%2e%2e/%2e%2e/etc/passwd"), None);
        assert_eq!(resolve(&root, "/sub\\..\\index.html"), None);
        assert_eq!(resolve(&root, "/missing.html"), None);
        assert_eq!(resolve(&root, "/%zz"), None);
        let ok = serve(
            &root,
            &HttpRequest {
                method: "GET",
                path: "/",
            },
        );
        assert_eq!((ok.status, ok.body.as_slice()), (200, &b"<p>hi</p>"[..]));
        assert_eq!(ok.content_type, "text/html; charset=utf-8");
        let post = serve(
            &root,
            &HttpRequest {
                method: "POST",
                path: "/",
            },
        );
        assert_eq!(post.status, 405);
        assert_eq!(
            serve(
                &root,
                &HttpRequest {
                    method: "GET",
                    path: "/x"
                }
            )
            .status,
            404
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}
