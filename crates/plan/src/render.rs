//! The plan for people: a numbered text list and Graphviz dot.

use crate::plan::Plan;
use converge_catalog::{EdgeKind, EdgeOrigin};
use std::fmt::Write;

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

impl Plan {
    fn where_text(&self, idx: usize) -> String {
        match self.locs[idx] {
            Some((f, line, _)) if line > 0 => format!("  ({}:{line})", self.files[f as usize]),
            Some((f, _, _)) => format!("  ({})", self.files[f as usize]),
            None => String::new(),
        }
    }

    fn ref_list(&self, idxs: impl Iterator<Item = usize>) -> String {
        idxs.map(|i| self.refs[i].to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The apply order as a numbered list, one resource a line with where it was declared,
    /// then what it comes after and whom it notifies:
    ///
    /// ```text
    /// 1. Package[nginx]  (site.pp:3)
    /// 2. File[/etc/nginx/nginx.conf]  (site.pp:7)
    ///    after: Package[nginx]
    ///    notifies: Service[nginx]
    /// ```
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for (n, &i) in self.order.iter().enumerate() {
            let _ = writeln!(out, "{}. {}{}", n + 1, self.refs[i], self.where_text(i));
            let deps: Vec<usize> = self.dependencies(i).map(|(d, _)| d).collect();
            if !deps.is_empty() {
                let _ = writeln!(out, "   after: {}", self.ref_list(deps.into_iter()));
            }
            let targets: Vec<usize> = self.notify_targets(i).collect();
            if !targets.is_empty() {
                let _ = writeln!(out, "   notifies: {}", self.ref_list(targets.into_iter()));
            }
        }
        out
    }

    /// The graph in Graphviz dot: applied resources numbered in apply order, containers
    /// dashed, containment edges grey, autorequires dotted, refresh edges red.
    pub fn to_dot(&self) -> String {
        let mut out =
            String::from("digraph converge {\n  node [shape=box, fontname=\"monospace\"];\n");
        for i in 0..self.refs.len() {
            let name = dot_escape(&self.refs[i].to_string());
            if self.is_container[i] {
                let _ = writeln!(out, "  n{i} [label=\"{name}\", style=dashed];");
            } else {
                let label = match self.position(i) {
                    Some(p) => format!("{}. {name}", p + 1),
                    None => name,
                };
                let _ = writeln!(out, "  n{i} [label=\"{label}\"];");
            }
        }
        for e in &self.edges {
            let (f, t) = (e.from, e.to);
            let mut attrs: Vec<&str> = Vec::new();
            match e.origin {
                EdgeOrigin::Container => attrs.push("color=grey, style=dashed, arrowhead=none"),
                EdgeOrigin::Auto => attrs.push("style=dotted"),
                EdgeOrigin::Metaparam | EdgeOrigin::Chain => {}
            }
            if e.kind == EdgeKind::Notify {
                attrs.push("color=red, label=\"notify\"");
            }
            if attrs.is_empty() {
                let _ = writeln!(out, "  n{f} -> n{t};");
            } else {
                let _ = writeln!(out, "  n{f} -> n{t} [{}];", attrs.join(", "));
            }
        }
        out.push_str("}\n");
        out
    }
}
