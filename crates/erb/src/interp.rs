//! The evaluator: walks the syntax tree with Ruby's semantics. Control flow (`next`,
//! `break`, exceptions, a decline, a failed host call) travels as [`Ctrl`] in the error
//! side of results; blocks run on a stack of local-variable frames (a block sees the
//! frames of the code that wrote it, which is the code that is running: builtins call
//! blocks synchronously).

use crate::ast::{Block, Call, Node, Param, SPart, Target};
use crate::value::{self, Class, Object, Value, B};
use crate::{Declined, Host, HostError, RenderError, Template, Unsupported};
use std::collections::HashMap;
use std::rc::Rc;

/// Why evaluation stopped early.
#[derive(Debug)]
pub(crate) enum Ctrl {
    /// A Ruby exception (an `Object::Exception` value).
    Raise(Value, usize),
    Next(Value),
    Break(Value),
    /// A construct the native renderer does not run.
    Decline(usize, String),
    /// The host failed.
    Host,
}

pub(crate) type R<T> = Result<T, Ctrl>;

/// A block argument given to a builtin method.
#[derive(Clone)]
pub(crate) enum Blk<'t> {
    Ast(&'t Block),
    Sym(Rc<str>),
}

/// How deep blocks and calls may nest (Ruby's stack would overflow too).
const MAX_DEPTH: usize = 2000;
/// A template running this many steps is in a loop it will not leave.
const MAX_STEPS: u64 = 20_000_000;

pub(crate) struct Interp<'t, 'h> {
    pub(crate) tpl: &'t Template,
    pub(crate) host: &'h mut dyn Host,
    file: Option<String>,
    pub(crate) out: String,
    frames: Vec<Vec<(Rc<str>, Value)>>,
    /// Instance variables: bound lazily from the host, then as the template sets them.
    ivars: HashMap<Rc<str>, Option<Value>>,
    pub(crate) last_match: Value,
    /// Position of what is being evaluated, for error lines.
    pub(crate) pos: usize,
    depth: usize,
    steps: u64,
    scope_obj: Value,
    /// The exception being handled (`$!`).
    current_exc: Value,
}

impl<'t, 'h> Interp<'t, 'h> {
    pub(crate) fn new(tpl: &'t Template, host: &'h mut dyn Host, file: Option<&str>) -> Self {
        Interp {
            tpl,
            host,
            file: file.map(str::to_string),
            out: String::new(),
            frames: vec![Vec::new()],
            ivars: HashMap::new(),
            last_match: Value::Nil,
            pos: 0,
            depth: 0,
            steps: 0,
            scope_obj: Value::Object(Rc::new(Object::Scope)),
            current_exc: Value::Nil,
        }
    }

    pub(crate) fn run(mut self) -> Result<String, RenderError> {
        let tpl = self.tpl;
        match self.eval(&tpl.ast) {
            Ok(_) => Ok(self.out),
            Err(Ctrl::Raise(exc, pos)) => {
                let (class, message) = match &exc {
                    Value::Object(o) => match &**o {
                        Object::Exception { class, message } => {
                            (class.name().to_string(), message.clone())
                        }
                        _ => ("RuntimeError".into(), value::to_s(&exc)),
                    },
                    _ => ("RuntimeError".into(), value::to_s(&exc)),
                };
                Err(RenderError::Raised {
                    at: tpl.position(pos),
                    class,
                    message,
                })
            }
            Err(Ctrl::Decline(pos, construct)) => Err(RenderError::Declined(Declined {
                at: tpl.position(pos),
                construct,
            })),
            Err(Ctrl::Host) => Err(RenderError::Host),
            Err(Ctrl::Next(_)) | Err(Ctrl::Break(_)) => Err(RenderError::Raised {
                at: tpl.position(self.pos),
                class: "LocalJumpError".into(),
                message: "break from proc-closure".into(),
            }),
        }
    }

    // ----- errors -------------------------------------------------------------------

    /// Raise a Ruby exception of a built-in class.
    pub(crate) fn raise<T>(&self, class: B, message: impl Into<String>) -> R<T> {
        Err(Ctrl::Raise(
            Value::Object(Rc::new(Object::Exception {
                class: Class::Builtin(class),
                message: message.into(),
            })),
            self.pos,
        ))
    }

    pub(crate) fn decline<T>(&self, what: impl Into<String>) -> R<T> {
        Err(Ctrl::Decline(self.pos, what.into()))
    }

    pub(crate) fn arg_error<T>(&self, given: usize, expected: &str) -> R<T> {
        self.raise(
            B::ArgumentError,
            format!("wrong number of arguments (given {given}, expected {expected})"),
        )
    }

    /// Check the number of arguments.
    pub(crate) fn arity(&self, args: &[Value], min: usize, max: usize) -> R<()> {
        if args.len() < min || args.len() > max {
            let expected = if min == max {
                min.to_string()
            } else if max == usize::MAX {
                format!("{min}+")
            } else {
                format!("{min}..{max}")
            };
            return self.arg_error(args.len(), &expected);
        }
        Ok(())
    }

    /// How Ruby names a receiver in NoMethodError messages.
    pub(crate) fn describe(v: &Value) -> String {
        match v {
            Value::Nil => "nil:NilClass".into(),
            Value::Bool(true) => "true:TrueClass".into(),
            Value::Bool(false) => "false:FalseClass".into(),
            Value::Object(o) if matches!(&**o, Object::Class(_)) => {
                format!("{}:Class", value::to_s(v))
            }
            v => {
                let class = v.class_of();
                let ins = value::inspect(v);
                if ins.len() > 65 {
                    format!("an instance of {}", class.name())
                } else {
                    format!("{ins}:{}", class.name())
                }
            }
        }
    }

    pub(crate) fn no_method<T>(&self, recv: &Value, name: &str) -> R<T> {
        if crate::methods::ruby_has(recv, name) {
            return self.decline(format!("the method `{name}` on {}", recv.class_of().name()));
        }
        self.raise(
            B::NoMethodError,
            format!("undefined method `{name}' for {}", Self::describe(recv)),
        )
    }

    fn tick(&mut self) -> R<()> {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return self.decline("a loop that does not end");
        }
        Ok(())
    }

    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.depth -= 1;
            return self.raise(B::RuntimeError, "stack level too deep");
        }
        Ok(())
    }

    // ----- variables ----------------------------------------------------------------

    fn local(&self, name: &str) -> Value {
        for f in self.frames.iter().rev() {
            if let Some((_, v)) = f.iter().find(|(n, _)| &**n == name) {
                return v.clone();
            }
        }
        Value::Nil
    }

    fn set_local(&mut self, name: &Rc<str>, v: Value) {
        for f in self.frames.iter_mut().rev() {
            if let Some(slot) = f.iter_mut().find(|(n, _)| n == name) {
                slot.1 = v;
                return;
            }
        }
        if let Some(f) = self.frames.last_mut() {
            f.push((name.clone(), v));
        }
    }

    fn define_local(&mut self, name: &Rc<str>, v: Value) {
        if let Some(f) = self.frames.last_mut() {
            if let Some(slot) = f.iter_mut().find(|(n, _)| n == name) {
                slot.1 = v;
            } else {
                f.push((name.clone(), v));
            }
        }
    }

    /// `@name`, or None when not set.
    pub(crate) fn ivar(&mut self, name: &str) -> Option<Value> {
        if let Some(v) = self.ivars.get(name) {
            return v.clone();
        }
        let v = match name {
            "__file__" => self.file.clone().map(Value::string),
            "__scope__" => Some(self.scope_obj.clone()),
            _ => self.host.var(name),
        };
        self.ivars.insert(Rc::from(name), v.clone());
        v
    }

    pub(crate) fn set_ivar(&mut self, name: &str, v: Value) {
        self.ivars.insert(Rc::from(name), Some(v));
    }

    pub(crate) fn scope_value(&self) -> Value {
        self.scope_obj.clone()
    }

    pub(crate) fn file_value(&self) -> Value {
        self.file.clone().map_or(Value::Nil, Value::string)
    }

    /// A host call's failure as control flow.
    pub(crate) fn host_err<T>(&self, e: HostError) -> R<T> {
        match e {
            HostError::Raise(msg) => self.raise(B::PuppetParseError, msg),
            HostError::Abort => Err(Ctrl::Host),
        }
    }

    // ----- evaluation ---------------------------------------------------------------

    pub(crate) fn eval(&mut self, n: &'t Node) -> R<Value> {
        self.tick()?;
        match n {
            Node::Nil => Ok(Value::Nil),
            Node::True => Ok(Value::Bool(true)),
            Node::False => Ok(Value::Bool(false)),
            Node::SelfRef => self.decline("`self`"),
            Node::Int(i) => Ok(Value::Int(*i)),
            Node::Float(f) => Ok(Value::Float(*f)),
            Node::Str(parts) => Ok(Value::string(self.interpolate(parts)?)),
            Node::Sym(s) => Ok(Value::Sym(s.clone())),
            Node::DSym(parts) => {
                let s = self.interpolate(parts)?;
                Ok(Value::Sym(Rc::from(s.as_str())))
            }
            Node::Regex(parts, options, compiled, pos) => {
                if let Some(re) = compiled {
                    return Ok(Value::Regexp(re.clone()));
                }
                let src = self.interpolate(parts)?;
                self.pos = *pos;
                self.regexp(&src, *options)
            }
            Node::Array(items) => Ok(Value::array(self.eval_list(items)?)),
            Node::Hash(pairs) => {
                let mut map = indexmap::IndexMap::new();
                for (k, v) in pairs {
                    let k = self.eval(k)?;
                    let v = self.eval(v)?;
                    map.insert(k.to_key(), v);
                }
                Ok(Value::hash(map))
            }
            Node::Range(a, b, excl) => {
                let start = self.eval(a)?;
                let end = self.eval(b)?;
                let ok = |v: &Value| {
                    matches!(
                        v,
                        Value::Int(_) | Value::Float(_) | Value::Nil | Value::Str(_)
                    )
                };
                if !ok(&start) || !ok(&end) {
                    return self.raise(B::ArgumentError, "bad value for range");
                }
                Ok(Value::Range(Rc::new(value::Range {
                    start,
                    end,
                    exclusive: *excl,
                })))
            }
            Node::Local(name) => Ok(self.local(name)),
            Node::Ivar(name) => Ok(self.ivar(name).unwrap_or(Value::Nil)),
            Node::Global(name) => self.global(name),
            Node::NthRef(n) => Ok(match &self.last_match {
                Value::Match(m) => m.group(*n as usize),
                _ => Value::Nil,
            }),
            Node::Const(name, pos) => {
                self.pos = *pos;
                self.constant(name)
            }
            Node::Call(c) => self.eval_call(c),
            Node::Assign(t, v) => {
                let v = self.eval(v)?;
                self.assign(t, v.clone())?;
                Ok(v)
            }
            Node::OpAssign(t, op, rhs) => self.op_assign(t, op, rhs),
            Node::MultiAssign(targets, rhs) => {
                let v = self.eval(rhs)?;
                let items = match &v {
                    Value::Array(a) => a.borrow().clone(),
                    other => vec![other.clone()],
                };
                self.destructure(targets, items)?;
                Ok(v)
            }
            Node::And(a, b) => {
                let l = self.eval(a)?;
                if l.truthy() {
                    self.eval(b)
                } else {
                    Ok(l)
                }
            }
            Node::Or(a, b) => {
                let l = self.eval(a)?;
                if l.truthy() {
                    Ok(l)
                } else {
                    self.eval(b)
                }
            }
            Node::Not(a) => Ok(Value::Bool(!self.eval(a)?.truthy())),
            Node::Defined(e) => self.defined(e),
            Node::If(c, a, b) => {
                if self.eval(c)?.truthy() {
                    self.eval(a)
                } else {
                    self.eval(b)
                }
            }
            Node::While(c, body, until) => {
                loop {
                    let t = self.eval(c)?.truthy();
                    if t == *until {
                        break;
                    }
                    match self.eval(body) {
                        Ok(_) | Err(Ctrl::Next(_)) => {}
                        Err(Ctrl::Break(v)) => return Ok(v),
                        Err(e) => return Err(e),
                    }
                }
                Ok(Value::Nil)
            }
            Node::For(target, iter, body) => {
                let coll = self.eval(iter)?;
                let items = self.each_items(&coll)?;
                for item in items {
                    self.assign(target, item)?;
                    match self.eval(body) {
                        Ok(_) | Err(Ctrl::Next(_)) => {}
                        Err(Ctrl::Break(v)) => return Ok(v),
                        Err(e) => return Err(e),
                    }
                }
                Ok(coll)
            }
            Node::Case(subject, whens, els) => {
                let subject = match subject {
                    Some(s) => Some(self.eval(s)?),
                    None => None,
                };
                for (vals, body) in whens {
                    for v in vals {
                        let pats = match v {
                            Node::Splat(inner) => {
                                let x = self.eval(inner)?;
                                self.splat_items(&x)
                            }
                            v => vec![self.eval(v)?],
                        };
                        for p in pats {
                            let hit = match &subject {
                                Some(s) => self.case_eq(&p, s)?,
                                None => p.truthy(),
                            };
                            if hit {
                                return self.eval(body);
                            }
                        }
                    }
                }
                self.eval(els)
            }
            Node::Begin(body, rescues, els, ensure) => {
                let r = self.eval_begin(body, rescues, els.as_deref());
                if let Some(en) = ensure {
                    self.eval(en)?;
                }
                r
            }
            Node::Seq(stmts) => {
                let mut last = Value::Nil;
                for (pos, s) in stmts {
                    self.pos = *pos;
                    last = self.eval(s)?;
                }
                Ok(last)
            }
            Node::Next(v) => {
                let v = match v {
                    Some(v) => self.eval(v)?,
                    None => Value::Nil,
                };
                Err(Ctrl::Next(v))
            }
            Node::Break(v) => {
                let v = match v {
                    Some(v) => self.eval(v)?,
                    None => Value::Nil,
                };
                Err(Ctrl::Break(v))
            }
            Node::Out(inner) => {
                if let Node::Text(i) = &**inner {
                    let t = self.tpl.text(*i);
                    self.out.push_str(t);
                    return Ok(Value::Nil);
                }
                let v = self.eval(inner)?;
                match &v {
                    Value::Str(s) => self.out.push_str(&s.borrow()),
                    other => {
                        let s = self.stringify(other)?;
                        self.out.push_str(&s);
                    }
                }
                Ok(Value::Nil)
            }
            Node::Text(i) => Ok(Value::str(self.tpl.text(*i))),
            Node::Splat(_) => self.decline("a splat outside a list"),
        }
    }

    fn eval_begin(
        &mut self,
        body: &'t Node,
        rescues: &'t [crate::ast::Rescue],
        els: Option<&'t Node>,
    ) -> R<Value> {
        match self.eval(body) {
            Ok(v) => match els {
                Some(e) => self.eval(e),
                None => Ok(v),
            },
            Err(Ctrl::Raise(exc, pos)) => {
                for r in rescues {
                    let classes: Vec<Value> = if r.classes.is_empty() {
                        vec![Value::class(B::StandardError)]
                    } else {
                        let mut cs = Vec::new();
                        for c in &r.classes {
                            match c {
                                Node::Splat(inner) => {
                                    let x = self.eval(inner)?;
                                    cs.extend(self.splat_items(&x));
                                }
                                c => cs.push(self.eval(c)?),
                            }
                        }
                        cs
                    };
                    let mut hit = false;
                    for c in &classes {
                        match c {
                            Value::Object(o) => match &**o {
                                Object::Class(class) => {
                                    if exc.is_a(class) {
                                        hit = true;
                                    }
                                }
                                _ => {
                                    return self.raise(
                                        B::TypeError,
                                        "class or module required for rescue clause",
                                    )
                                }
                            },
                            _ => {
                                return self.raise(
                                    B::TypeError,
                                    "class or module required for rescue clause",
                                )
                            }
                        }
                    }
                    if hit {
                        if let Some(t) = &r.var {
                            self.assign(t, exc.clone())?;
                        }
                        let saved = std::mem::replace(&mut self.current_exc, exc.clone());
                        let res = self.eval(&r.body);
                        self.current_exc = saved;
                        return res;
                    }
                }
                Err(Ctrl::Raise(exc, pos))
            }
            Err(e) => Err(e),
        }
    }

    fn global(&mut self, name: &str) -> R<Value> {
        Ok(match name {
            "~" => self.last_match.clone(),
            "&" => match &self.last_match {
                Value::Match(m) => m.group(0),
                _ => Value::Nil,
            },
            "!" => self.current_exc.clone(),
            _ => return self.decline(format!("the global variable ${name}")),
        })
    }

    fn constant(&mut self, name: &str) -> R<Value> {
        match B::from_name(name) {
            Some(b) => Ok(Value::class(b)),
            None => match name {
                "File" | "Integer::MAX" => self.decline(format!("the constant {name}")),
                _ => self.decline(format!("the constant {name}")),
            },
        }
    }

    pub(crate) fn regexp(&self, src: &str, options: u32) -> R<Value> {
        match crate::rregex::compile(src, options) {
            Ok(re) => Ok(Value::Regexp(Rc::new(re))),
            Err(what) => self.decline(what),
        }
    }

    fn interpolate(&mut self, parts: &'t [SPart]) -> R<String> {
        let mut s = String::new();
        for p in parts {
            match p {
                SPart::Lit(l) => s.push_str(l),
                SPart::Code(n) => {
                    let v = self.eval(n)?;
                    match &v {
                        Value::Str(x) => s.push_str(&x.borrow()),
                        other => s.push_str(&self.stringify(other)?),
                    }
                }
            }
        }
        Ok(s)
    }

    /// `to_s` as Ruby calls it on a value.
    pub(crate) fn stringify(&mut self, v: &Value) -> R<String> {
        Ok(value::to_s(v))
    }

    fn eval_list(&mut self, items: &'t [Node]) -> R<Vec<Value>> {
        let mut out = Vec::with_capacity(items.len());
        for it in items {
            match it {
                Node::Splat(inner) => {
                    let v = self.eval(inner)?;
                    out.extend(self.splat_items(&v));
                }
                it => out.push(self.eval(it)?),
            }
        }
        Ok(out)
    }

    /// `*x`: nil is nothing, an Array its elements, a Hash its pairs, anything else itself.
    pub(crate) fn splat_items(&self, v: &Value) -> Vec<Value> {
        match v {
            Value::Nil => Vec::new(),
            Value::Array(a) => a.borrow().clone(),
            Value::Hash(h) => h
                .borrow()
                .map
                .iter()
                .map(|(k, v)| Value::array(vec![k.to_value(), v.clone()]))
                .collect(),
            other => vec![other.clone()],
        }
    }

    /// What `each` yields for a collection (`for` loops).
    pub(crate) fn each_items(&self, v: &Value) -> R<Vec<Value>> {
        match v {
            Value::Array(a) => Ok(a.borrow().clone()),
            Value::Hash(_) => Ok(self.splat_items(v)),
            Value::Range(r) => crate::methods::range_items(self, r),
            other => self.no_method(other, "each"),
        }
    }

    fn case_eq(&mut self, pat: &Value, v: &Value) -> R<bool> {
        Ok(match pat {
            Value::Object(o) => match &**o {
                Object::Class(c) => v.is_a(c),
                _ => value::eq(pat, v),
            },
            Value::Range(r) => crate::methods::range_cover(r, v),
            Value::Regexp(re) => match v {
                Value::Str(_) | Value::Sym(_) => {
                    let s = value::to_s(v);
                    let m = crate::methods::do_match(self, re, &s, 0);
                    m.is_some()
                }
                _ => false,
            },
            _ => value::eq(pat, v),
        })
    }

    fn defined(&mut self, e: &'t Node) -> R<Value> {
        let s = |x: &str| Ok(Value::str(x));
        match e {
            Node::Local(_) => s("local-variable"),
            Node::Ivar(n) => {
                if self.ivar(n).is_some() {
                    s("instance-variable")
                } else {
                    Ok(Value::Nil)
                }
            }
            Node::Global(n) if matches!(&**n, "~" | "!") => s("global-variable"),
            Node::Global(_) => Ok(Value::Nil),
            Node::NthRef(n) => match &self.last_match {
                Value::Match(m) if m.groups.get(*n as usize).copied().flatten().is_some() => {
                    s("global-variable")
                }
                _ => Ok(Value::Nil),
            },
            Node::Const(n, _) => {
                if B::from_name(n).is_some() {
                    s("constant")
                } else {
                    Ok(Value::Nil)
                }
            }
            Node::Call(c) => match &c.recv {
                None => {
                    if crate::methods::self_method(&c.name) {
                        s("method")
                    } else {
                        Ok(Value::Nil)
                    }
                }
                Some(r) => {
                    let recv = match self.eval(r) {
                        Ok(v) => v,
                        Err(Ctrl::Raise(..)) => return Ok(Value::Nil),
                        Err(e) => return Err(e),
                    };
                    if crate::methods::responds(&recv, &c.name) {
                        s("method")
                    } else {
                        Ok(Value::Nil)
                    }
                }
            },
            Node::Nil => s("expression"),
            Node::True | Node::False | Node::SelfRef => s("expression"),
            Node::Assign(..) | Node::OpAssign(..) | Node::MultiAssign(..) => s("assignment"),
            _ => s("expression"),
        }
    }

    // ----- assignment ---------------------------------------------------------------

    pub(crate) fn assign(&mut self, t: &'t Target, v: Value) -> R<()> {
        match t {
            Target::Local(n) => self.set_local(n, v),
            Target::Ivar(n) => self.set_ivar(n, v),
            Target::Global(n) => return self.decline(format!("assigning ${n}")),
            Target::Index(recv, args) => {
                let r = self.eval(recv)?;
                let mut a = self.eval_list(args)?;
                a.push(v);
                self.call_method(r, "[]=", a, None)?;
            }
            Target::Attr(recv, name) => {
                let r = self.eval(recv)?;
                self.call_method(r, &format!("{name}="), vec![v], None)?;
            }
            Target::Splat(inner) => {
                let items = self.splat_items(&v);
                self.assign(inner, Value::array(items))?;
            }
            Target::Nested(ts) => {
                let items = match &v {
                    Value::Array(a) => a.borrow().clone(),
                    other => vec![other.clone()],
                };
                self.destructure(ts, items)?;
            }
        }
        Ok(())
    }

    fn destructure(&mut self, targets: &'t [Target], items: Vec<Value>) -> R<()> {
        let splat_at = targets.iter().position(|t| matches!(t, Target::Splat(_)));
        match splat_at {
            None => {
                for (i, t) in targets.iter().enumerate() {
                    self.assign(t, items.get(i).cloned().unwrap_or(Value::Nil))?;
                }
            }
            Some(si) => {
                let after = targets.len() - si - 1;
                for (i, t) in targets[..si].iter().enumerate() {
                    self.assign(t, items.get(i).cloned().unwrap_or(Value::Nil))?;
                }
                let rest_end = items.len().saturating_sub(after).max(si);
                let rest: Vec<Value> = items
                    .get(si..rest_end)
                    .map(<[Value]>::to_vec)
                    .unwrap_or_default();
                if let Target::Splat(inner) = &targets[si] {
                    self.assign(inner, Value::array(rest))?;
                }
                for (j, t) in targets[si + 1..].iter().enumerate() {
                    let idx = rest_end + j;
                    self.assign(t, items.get(idx).cloned().unwrap_or(Value::Nil))?;
                }
            }
        }
        Ok(())
    }

    fn op_assign(&mut self, t: &'t Target, op: &str, rhs: &'t Node) -> R<Value> {
        // Read the target once (receiver and index evaluated once, as in Ruby).
        enum Place {
            Local(Rc<str>),
            Ivar(Rc<str>),
            Index(Value, Vec<Value>),
            Attr(Value, Rc<str>),
        }
        let place = match t {
            Target::Local(n) => Place::Local(n.clone()),
            Target::Ivar(n) => Place::Ivar(n.clone()),
            Target::Index(r, a) => {
                let r = self.eval(r)?;
                let a = self.eval_list(a)?;
                Place::Index(r, a)
            }
            Target::Attr(r, n) => Place::Attr(self.eval(r)?, n.clone()),
            _ => return self.decline("this compound assignment"),
        };
        let cur = match &place {
            Place::Local(n) => self.local(n),
            Place::Ivar(n) => self.ivar(n).unwrap_or(Value::Nil),
            Place::Index(r, a) => self.call_method(r.clone(), "[]", a.clone(), None)?,
            Place::Attr(r, n) => self.call_method(r.clone(), n, Vec::new(), None)?,
        };
        let new = match op {
            "||" => {
                if cur.truthy() {
                    return Ok(cur);
                }
                self.eval(rhs)?
            }
            "&&" => {
                if !cur.truthy() {
                    return Ok(cur);
                }
                self.eval(rhs)?
            }
            op => {
                let r = self.eval(rhs)?;
                self.call_method(cur, op, vec![r], None)?
            }
        };
        match place {
            Place::Local(n) => self.set_local(&n, new.clone()),
            Place::Ivar(n) => self.set_ivar(&n, new.clone()),
            Place::Index(r, mut a) => {
                a.push(new.clone());
                self.call_method(r, "[]=", a, None)?;
            }
            Place::Attr(r, n) => {
                self.call_method(r, &format!("{n}="), vec![new.clone()], None)?;
            }
        }
        Ok(new)
    }

    // ----- calls and blocks ---------------------------------------------------------

    fn eval_call(&mut self, c: &'t Call) -> R<Value> {
        let recv = match &c.recv {
            Some(r) => {
                let v = self.eval(r)?;
                if c.safe && v.is_nil() {
                    return Ok(Value::Nil);
                }
                Some(v)
            }
            None => None,
        };
        let args = self.eval_list(&c.args)?;
        let blk = match (&c.block, &c.block_arg) {
            (Some(b), _) => Some(Blk::Ast(b)),
            (None, Some(ba)) => match self.eval(ba)? {
                Value::Nil => None,
                Value::Sym(s) => Some(Blk::Sym(s)),
                Value::Object(o) => match &*o {
                    Object::SymProc(s) => Some(Blk::Sym(s.clone())),
                    _ => return self.decline("this block argument"),
                },
                _ => return self.decline("this block argument"),
            },
            (None, None) => None,
        };
        self.pos = c.pos;
        self.enter()?;
        let r = match recv {
            Some(r) => self.call_method(r, &c.name, args, blk),
            None => crate::methods::call_self(self, &c.name, args, blk),
        };
        self.depth -= 1;
        match r {
            // `break` in this call's own block ends the call with its value.
            Err(Ctrl::Break(v)) if c.block.is_some() || c.block_arg.is_some() => Ok(v),
            r => r,
        }
    }

    /// Call a method on a value.
    pub(crate) fn call_method(
        &mut self,
        recv: Value,
        name: &str,
        args: Vec<Value>,
        blk: Option<Blk<'t>>,
    ) -> R<Value> {
        crate::methods::call(self, recv, name, args, blk)
    }

    /// Run a block with arguments, as `yield` does.
    pub(crate) fn yield_blk(&mut self, blk: &Blk<'t>, args: Vec<Value>) -> R<Value> {
        self.tick()?;
        match blk {
            Blk::Sym(name) => {
                let mut args = args;
                if args.is_empty() {
                    return self.raise(B::ArgumentError, "no receiver given");
                }
                let recv = args.remove(0);
                self.call_method(recv, name, args, None)
            }
            Blk::Ast(b) => {
                self.enter()?;
                let args = if b.spreads && args.len() == 1 {
                    match &args[0] {
                        Value::Array(a) => a.borrow().clone(),
                        _ => args,
                    }
                } else {
                    args
                };
                self.frames.push(Vec::new());
                self.bind_params(&b.params, args);
                let r = self.eval(&b.body);
                self.frames.pop();
                self.depth -= 1;
                match r {
                    Err(Ctrl::Next(v)) => Ok(v),
                    r => r,
                }
            }
        }
    }

    fn bind_params(&mut self, params: &'t [Param], args: Vec<Value>) {
        let splat_at = params.iter().position(|p| matches!(p, Param::Splat(_)));
        let after = splat_at.map_or(0, |s| params.len() - s - 1);
        for (i, p) in params.iter().enumerate() {
            let val = |i: usize| args.get(i).cloned().unwrap_or(Value::Nil);
            match p {
                Param::Name(n) => {
                    let idx = match splat_at {
                        Some(s) if i > s => args.len().saturating_sub(after).max(s) + (i - s - 1),
                        _ => i,
                    };
                    self.define_local(n, val(idx));
                }
                Param::Splat(n) => {
                    let end = args.len().saturating_sub(after).max(i);
                    let rest = args.get(i..end).map(<[Value]>::to_vec).unwrap_or_default();
                    self.define_local(n, Value::array(rest));
                }
                Param::Nested(ps) => {
                    let inner = match val(i) {
                        Value::Array(a) => a.borrow().clone(),
                        other => vec![other],
                    };
                    self.bind_params(ps, inner);
                }
            }
        }
    }

    /// Ruby's `<=>` for sorting: an ArgumentError where it answers nil.
    pub(crate) fn compare(&mut self, a: &Value, b: &Value) -> R<std::cmp::Ordering> {
        match value::cmp(a, b) {
            Some(o) => Ok(o),
            None => self.cmp_failed(a, b),
        }
    }

    pub(crate) fn cmp_failed<T>(&self, a: &Value, b: &Value) -> R<T> {
        let other = match b {
            Value::Nil | Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::Sym(_) => {
                value::inspect(b)
            }
            _ => b.class_of().name().to_string(),
        };
        self.raise(
            B::ArgumentError,
            format!(
                "comparison of {} with {} failed",
                a.class_of().name(),
                other
            ),
        )
    }

    /// The Ordering a sort block returned.
    pub(crate) fn block_order(&mut self, r: &Value, a: &Value, b: &Value) -> R<std::cmp::Ordering> {
        match r {
            Value::Int(i) => Ok(i.cmp(&0)),
            Value::Float(f) if !f.is_nan() => {
                Ok(f.partial_cmp(&0.0).unwrap_or(std::cmp::Ordering::Equal))
            }
            _ => self.cmp_failed(a, b),
        }
    }
}

impl From<Unsupported> for Ctrl {
    fn from(u: Unsupported) -> Ctrl {
        Ctrl::Decline(u.pos, u.construct)
    }
}
