//! Ruby's core methods, by receiver class, with Ruby 3.1's results and error messages.
//! A method a class has in Ruby but this module does not implement makes the renderer
//! decline (see [`ruby_has`]); one Ruby does not have either is Ruby's NoMethodError.

mod array;
mod enumerable;
mod format;
mod hash;
mod number;
mod string;

use crate::interp::{Blk, Ctrl, Interp, R};
use crate::ruby_methods as rm;
use crate::value::{self, Class, Object, Value, B};
use std::rc::Rc;

pub(crate) use enumerable::{range_cover, range_items};
pub(crate) use string::do_match;

/// Call `name` on `recv`.
pub(crate) fn call<'t>(
    it: &mut Interp<'t, '_>,
    recv: Value,
    name: &str,
    args: Vec<Value>,
    blk: Option<Blk<'t>>,
) -> R<Value> {
    let specific = match &recv {
        Value::Str(_) => string::call(it, &recv, name, &args, &blk)?,
        Value::Array(_) => array::call(it, &recv, name, &args, &blk)?,
        Value::Hash(_) => hash::call(it, &recv, name, &args, &blk)?,
        Value::Int(_) | Value::Float(_) => number::call(it, &recv, name, &args, &blk)?,
        Value::Nil => nil_call(it, name, &args)?,
        Value::Bool(b) => bool_call(*b, name, &args),
        Value::Sym(s) => sym_call(it, s, name, &args, &blk)?,
        Value::Range(r) => enumerable::range_call(it, r, name, &args, &blk)?,
        Value::Regexp(re) => string::regexp_call(it, re, name, &args)?,
        Value::Match(m) => string::match_call(it, m, name, &args)?,
        Value::Object(o) => object_call(it, &recv, o, name, &args, &blk)?,
    };
    if let Some(v) = specific {
        return Ok(v);
    }
    if let Some(v) = common(it, &recv, name, &args, &blk)? {
        return Ok(v);
    }
    it.no_method(&recv, name)
}

/// Ruby's method table of the receiver's class has `name`.
pub(crate) fn ruby_has(recv: &Value, name: &str) -> bool {
    let table: &[&str] = match recv {
        Value::Nil => rm::NIL,
        Value::Bool(true) => rm::TRUE,
        Value::Bool(false) => rm::FALSE,
        Value::Int(_) => rm::INTEGER,
        Value::Float(_) => rm::FLOAT,
        Value::Str(_) => rm::STRING,
        Value::Sym(_) => rm::SYMBOL,
        Value::Array(_) => rm::ARRAY,
        Value::Hash(_) => rm::HASH,
        Value::Range(_) => rm::RANGE,
        Value::Regexp(_) => rm::REGEXP,
        Value::Match(_) => rm::MATCH_DATA,
        // Objects the renderer only knows in part: whatever Ruby would do, it does not.
        Value::Object(_) => return true,
    };
    table.binary_search(&name).is_ok()
}

/// `respond_to?`.
pub(crate) fn responds(recv: &Value, name: &str) -> bool {
    ruby_has(recv, name)
}

/// Methods a template calls without a receiver that this module implements.
const SELF_METHODS: &[&str] = &[
    "Array",
    "Float",
    "Hash",
    "Integer",
    "String",
    "block_given?",
    "fail",
    "file",
    "format",
    "has_variable?",
    "instance_variable_defined?",
    "instance_variable_get",
    "instance_variable_set",
    "loop",
    "p",
    "pp",
    "print",
    "puts",
    "raise",
    "require",
    "scope",
    "sprintf",
    "tags",
    "warn",
];

/// Whether a receiver-less call names a method (`defined?(foo)`).
pub(crate) fn self_method(name: &str) -> bool {
    SELF_METHODS.contains(&name) || rm::SELF.binary_search(&name).is_ok()
}

pub(crate) fn str_arg(it: &Interp<'_, '_>, v: &Value) -> R<String> {
    match v {
        Value::Str(s) => Ok(s.borrow().clone()),
        other => it.raise(
            B::TypeError,
            format!("no implicit conversion of {} into String", type_name(other)),
        ),
    }
}

/// How Ruby names a value's class in "no implicit conversion of X" messages.
pub(crate) fn type_name(v: &Value) -> String {
    match v {
        Value::Nil => "nil".into(),
        Value::Bool(true) => "true".into(),
        Value::Bool(false) => "false".into(),
        v => v.class_of().name().to_string(),
    }
}

pub(crate) fn int_arg(it: &Interp<'_, '_>, v: &Value) -> R<i64> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Float(f) if f.is_finite() => Ok(f.trunc() as i64),
        other => it.raise(
            B::TypeError,
            format!(
                "no implicit conversion of {} into Integer",
                type_name(other)
            ),
        ),
    }
}

/// `Array(x)`.
pub(crate) fn to_array(v: &Value) -> Vec<Value> {
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

fn class_arg(it: &Interp<'_, '_>, v: &Value) -> R<Class> {
    match v {
        Value::Object(o) => match &**o {
            Object::Class(c) => Ok(c.clone()),
            _ => it.raise(B::TypeError, "class or module required"),
        },
        _ => it.raise(B::TypeError, "class or module required"),
    }
}

fn common<'t>(
    it: &mut Interp<'t, '_>,
    recv: &Value,
    name: &str,
    args: &[Value],
    blk: &Option<Blk<'t>>,
) -> R<Option<Value>> {
    Ok(Some(match name {
        "nil?" => Value::Bool(recv.is_nil()),
        "is_a?" | "kind_of?" => {
            it.arity(args, 1, 1)?;
            let c = class_arg(it, &args[0])?;
            Value::Bool(recv.is_a(&c))
        }
        "instance_of?" => {
            it.arity(args, 1, 1)?;
            let c = class_arg(it, &args[0])?;
            Value::Bool(recv.class_of() == c)
        }
        "class" => Value::Object(Rc::new(Object::Class(recv.class_of()))),
        "==" | "equal?" | "===" => {
            it.arity(args, 1, 1)?;
            Value::Bool(if name == "equal?" {
                recv.same(&args[0])
            } else {
                value::eq(recv, &args[0])
            })
        }
        "eql?" => {
            it.arity(args, 1, 1)?;
            Value::Bool(recv.to_key() == args[0].to_key())
        }
        "!=" => {
            it.arity(args, 1, 1)?;
            let r = it.call_method(recv.clone(), "==", args.to_vec(), None)?;
            Value::Bool(!r.truthy())
        }
        "!" => Value::Bool(!recv.truthy()),
        "=~" => Value::Nil,
        "!~" => {
            it.arity(args, 1, 1)?;
            let r = it.call_method(recv.clone(), "=~", args.to_vec(), None)?;
            Value::Bool(!r.truthy())
        }
        "<=>" => {
            it.arity(args, 1, 1)?;
            if recv.same(&args[0]) || value::eq(recv, &args[0]) {
                Value::Int(0)
            } else {
                Value::Nil
            }
        }
        "to_s" => Value::string(value::to_s(recv)),
        "inspect" => Value::string(value::inspect(recv)),
        "respond_to?" => {
            it.arity(args, 1, 2)?;
            let n = match &args[0] {
                Value::Sym(s) => s.to_string(),
                Value::Str(s) => s.borrow().clone(),
                other => {
                    return it.raise(
                        B::TypeError,
                        format!("{} is not a symbol nor a string", value::inspect(other)),
                    )
                }
            };
            Value::Bool(responds(recv, &n))
        }
        "frozen?" => Value::Bool(matches!(
            recv,
            Value::Nil
                | Value::Bool(_)
                | Value::Int(_)
                | Value::Float(_)
                | Value::Sym(_)
                | Value::Range(_)
        )),
        "freeze" | "itself" => recv.clone(),
        "dup" | "clone" => match recv {
            Value::Str(s) => Value::string(s.borrow().clone()),
            Value::Array(a) => Value::array(a.borrow().clone()),
            Value::Hash(h) => Value::Hash(Rc::new(std::cell::RefCell::new(h.borrow().clone()))),
            other => other.clone(),
        },
        "tap" => {
            let Some(b) = blk else {
                return it.raise(B::LocalJumpError, "no block given (yield)");
            };
            it.yield_blk(b, vec![recv.clone()])?;
            recv.clone()
        }
        "then" | "yield_self" => match blk {
            Some(b) => it.yield_blk(b, vec![recv.clone()])?,
            None => return Ok(None),
        },
        "send" | "public_send" | "__send__" => {
            if args.is_empty() {
                return it.raise(B::ArgumentError, "no method name given");
            }
            let n = value::to_s(&args[0]);
            return it
                .call_method(recv.clone(), &n, args[1..].to_vec(), blk.clone())
                .map(Some);
        }
        "to_json" => Value::string(format::to_json(it, recv)?),
        _ => return Ok(None),
    }))
}

fn nil_call(it: &mut Interp<'_, '_>, name: &str, args: &[Value]) -> R<Option<Value>> {
    Ok(Some(match name {
        "to_s" => Value::str(""),
        "to_a" => Value::array(Vec::new()),
        "to_h" => Value::hash(Default::default()),
        "to_i" => Value::Int(0),
        "to_f" => Value::Float(0.0),
        "inspect" => Value::str("nil"),
        "&" => {
            it.arity(args, 1, 1)?;
            Value::Bool(false)
        }
        "|" | "^" => {
            it.arity(args, 1, 1)?;
            Value::Bool(args[0].truthy())
        }
        _ => return Ok(None),
    }))
}

fn bool_call(b: bool, name: &str, args: &[Value]) -> Option<Value> {
    let other = args.first().map(Value::truthy);
    Some(match (name, other) {
        ("to_s" | "inspect", _) => Value::str(if b { "true" } else { "false" }),
        ("&", Some(o)) => Value::Bool(b && o),
        ("|", Some(o)) => Value::Bool(b || o),
        ("^", Some(o)) => Value::Bool(b != o),
        _ => return None,
    })
}

fn sym_call<'t>(
    it: &mut Interp<'t, '_>,
    s: &Rc<str>,
    name: &str,
    args: &[Value],
    blk: &Option<Blk<'t>>,
) -> R<Option<Value>> {
    Ok(Some(match name {
        "to_s" | "id2name" | "name" => Value::str(s),
        "to_sym" => Value::Sym(s.clone()),
        "to_proc" => Value::Object(Rc::new(Object::SymProc(s.clone()))),
        "inspect" => Value::string(value::sym_inspect(s)),
        "length" | "size" => Value::Int(s.chars().count() as i64),
        "empty?" => Value::Bool(s.is_empty()),
        "<=>" => {
            it.arity(args, 1, 1)?;
            match &args[0] {
                Value::Sym(o) => Value::Int(s.as_bytes().cmp(o.as_bytes()) as i64),
                _ => Value::Nil,
            }
        }
        "upcase" | "downcase" | "capitalize" | "swapcase" | "succ" | "next" => {
            let r = it.call_method(Value::str(s), name, args.to_vec(), None)?;
            Value::Sym(Rc::from(value::to_s(&r).as_str()))
        }
        "[]" | "slice" | "start_with?" | "end_with?" | "=~" | "match" | "match?" | "encoding" => {
            return it
                .call_method(Value::str(s), name, args.to_vec(), blk.clone())
                .map(Some)
        }
        _ => return Ok(None),
    }))
}

fn object_call<'t>(
    it: &mut Interp<'t, '_>,
    recv: &Value,
    o: &Rc<Object>,
    name: &str,
    args: &[Value],
    blk: &Option<Blk<'t>>,
) -> R<Option<Value>> {
    match &**o {
        Object::Scope => scope_call(it, name, args).map(Some),
        Object::Class(c) => class_call(it, c, name, args, blk),
        Object::Exception { class, message } => Ok(Some(match name {
            "message" | "to_s" => Value::str(message),
            "inspect" => Value::string(value::inspect(recv)),
            "class" => Value::Object(Rc::new(Object::Class(class.clone()))),
            _ => return Ok(None),
        })),
        Object::IpAddr(a) => Ok(Some(match name {
            "to_s" => Value::string(a.to_s()),
            "inspect" => Value::string(a.inspect()),
            "ipv4?" => Value::Bool(!a.v6),
            "ipv6?" => Value::Bool(a.v6),
            _ => return Ok(None),
        })),
        Object::Opaque { to_s, .. } => Ok(Some(match name {
            "to_s" => Value::str(to_s),
            "inspect" => Value::string(value::inspect(recv)),
            "==" | "eql?" | "equal?" => Value::Bool(args.first().is_some_and(|a| recv.same(a))),
            "nil?" => Value::Bool(false),
            "is_a?" | "kind_of?" | "class" | "!" | "!=" | "respond_to?" | "frozen?" => {
                return Ok(None)
            }
            _ => return it.decline(format!("the method `{name}` on a Puppet value")),
        })),
        Object::Enumerator {
            receiver,
            method,
            args: margs,
            items,
        } => {
            enumerable::enumerator_call(it, recv, (receiver, method, margs, items), name, args, blk)
        }
        Object::SymProc(s) => Ok(Some(match name {
            "to_proc" => recv.clone(),
            "call" => {
                let mut a = args.to_vec();
                if a.is_empty() {
                    return it.raise(B::ArgumentError, "no receiver given");
                }
                let r = a.remove(0);
                return it.call_method(r, s, a, None).map(Some);
            }
            _ => return Ok(None),
        })),
    }
}

fn scope_call(it: &mut Interp<'_, '_>, name: &str, args: &[Value]) -> R<Value> {
    match name {
        "[]" | "lookupvar" => {
            it.arity(args, 1, 2)?;
            let n = value::to_s(&args[0]);
            Ok(it.host.lookup(&n))
        }
        "[]=" | "setvar" => {
            it.arity(args, 2, 3)?;
            let n = value::to_s(&args[0]);
            match it.host.set(&n, args[1].clone()) {
                Ok(()) => Ok(args[1].clone()),
                Err(e) => it.host_err(e),
            }
        }
        "include?" | "exist?" => {
            it.arity(args, 1, 1)?;
            let n = value::to_s(&args[0]);
            Ok(Value::Bool(it.host.exists(&n)))
        }
        "call_function" => {
            it.arity(args, 1, 2)?;
            let n = value::to_s(&args[0]);
            let fargs = match args.get(1) {
                None => Vec::new(),
                Some(Value::Array(a)) => a.borrow().clone(),
                Some(other) => vec![other.clone()],
            };
            match it.host.call(&n, fargs) {
                Ok(v) => Ok(v),
                Err(e) => it.host_err(e),
            }
        }
        n if n.starts_with("function_") => {
            let f = &n["function_".len()..];
            let fargs = match args {
                [Value::Array(a)] => a.borrow().clone(),
                _ => {
                    return it.raise(
                        B::ArgumentError,
                        "custom functions must be called with a single array that contains the arguments. For example, function_example([1]) instead of function_example(1)",
                    )
                }
            };
            match it.host.call(f, fargs) {
                Ok(v) => Ok(v),
                Err(e) => it.host_err(e),
            }
        }
        "to_s" | "inspect" => Ok(Value::str("Scope()")),
        _ => it.decline(format!("the scope method `{name}`")),
    }
}

fn class_call<'t>(
    it: &mut Interp<'t, '_>,
    c: &Class,
    name: &str,
    args: &[Value],
    blk: &Option<Blk<'t>>,
) -> R<Option<Value>> {
    let Class::Builtin(b) = c else {
        return Ok(None);
    };
    let b = *b;
    Ok(Some(match (b, name) {
        (_, "name" | "to_s" | "inspect") => Value::str(b.name()),
        (_, "===") => {
            it.arity(args, 1, 1)?;
            Value::Bool(args[0].is_a(c))
        }
        (_, "superclass") => match b.superclass() {
            Some(s) => Value::class(s),
            None => Value::Nil,
        },
        (_, "<" | "<=") => {
            it.arity(args, 1, 1)?;
            let o = class_arg(it, &args[0])?;
            match o {
                Class::Builtin(ob) => {
                    if ob == b {
                        Value::Bool(name == "<=")
                    } else if b.is_a(ob) {
                        Value::Bool(true)
                    } else if ob.is_a(b) {
                        Value::Bool(false)
                    } else {
                        Value::Nil
                    }
                }
                Class::Named(_) => Value::Nil,
            }
        }
        (B::Regexp, "escape" | "quote") => {
            it.arity(args, 1, 1)?;
            let s = match &args[0] {
                Value::Sym(s) => s.to_string(),
                v => str_arg(it, v)?,
            };
            Value::string(crate::rregex::escape(&s))
        }
        (B::Regexp, "new" | "compile") => {
            it.arity(args, 1, 3)?;
            match &args[0] {
                Value::Regexp(re) => Value::Regexp(re.clone()),
                v => {
                    let src = str_arg(it, v)?;
                    let opts = match args.get(1) {
                        None | Some(Value::Nil) | Some(Value::Bool(false)) => 0,
                        Some(Value::Int(i)) => (*i as u32) & 7,
                        Some(_) => 1,
                    };
                    it.regexp(&src, opts)?
                }
            }
        }
        (B::Regexp, "union") => {
            let items: Vec<Value> = match args {
                [Value::Array(a)] => a.borrow().clone(),
                a => a.to_vec(),
            };
            let mut parts = Vec::new();
            for v in &items {
                parts.push(match v {
                    Value::Regexp(re) => value::to_s(&Value::Regexp(re.clone())),
                    v => crate::rregex::escape(&str_arg(it, v)?),
                });
            }
            it.regexp(&parts.join("|"), 0)?
        }
        (B::IpAddr, "new") => {
            it.arity(args, 1, 2)?;
            if args.len() == 2 {
                return it.decline("IPAddr.new with an address family");
            }
            let s = match &args[0] {
                Value::Str(s) => s.borrow().clone(),
                _ => return it.decline("IPAddr.new with a number"),
            };
            match crate::ipaddr::IpAddr::parse(&s) {
                Ok(a) => Value::Object(Rc::new(Object::IpAddr(a))),
                Err(e) => {
                    let class = match e.class {
                        "InvalidPrefixError" => B::InvalidPrefixError,
                        "AddressFamilyError" => B::AddressFamilyError,
                        _ => B::InvalidAddressError,
                    };
                    return it.raise(class, e.message);
                }
            }
        }
        (B::Hash, "new") => {
            if blk.is_some() {
                return it.decline("Hash.new with a block");
            }
            it.arity(args, 0, 1)?;
            let h = crate::value::Hash {
                map: Default::default(),
                default: args.first().cloned().unwrap_or(Value::Nil),
            };
            Value::Hash(Rc::new(std::cell::RefCell::new(h)))
        }
        (B::Array, "new") => {
            it.arity(args, 0, 2)?;
            let n = match args.first() {
                None => 0,
                Some(v) => int_arg(it, v)?,
            };
            if n < 0 {
                return it.raise(B::ArgumentError, "negative array size");
            }
            let mut v = Vec::new();
            for i in 0..n {
                v.push(match blk {
                    Some(b) => it.yield_blk(b, vec![Value::Int(i)])?,
                    None => args.get(1).cloned().unwrap_or(Value::Nil),
                });
            }
            Value::array(v)
        }
        (B::String, "new") => {
            it.arity(args, 0, 1)?;
            match args.first() {
                None => Value::str(""),
                Some(v) => Value::string(str_arg(it, v)?),
            }
        }
        (b, "new" | "exception") if b.is_exception() => {
            it.arity(args, 0, 1)?;
            let message = match args.first() {
                None | Some(Value::Nil) => b.name().to_string(),
                Some(v) => value::to_s(v),
            };
            Value::Object(Rc::new(Object::Exception {
                class: c.clone(),
                message,
            }))
        }
        _ => return Ok(None),
    }))
}

/// Calls without a receiver: the template wrapper's methods and Kernel's.
pub(crate) fn call_self<'t>(
    it: &mut Interp<'t, '_>,
    name: &str,
    args: Vec<Value>,
    blk: Option<Blk<'t>>,
) -> R<Value> {
    match name {
        "scope" => {
            it.arity(&args, 0, 0)?;
            Ok(it.scope_value())
        }
        "file" => {
            it.arity(&args, 0, 0)?;
            Ok(it.file_value())
        }
        "has_variable?" => {
            it.arity(&args, 1, 1)?;
            let n = value::to_s(&args[0]);
            Ok(Value::Bool(it.host.exists(&n)))
        }
        "tags" => it.raise(B::NotImplementedError, "Call 'all_tags' instead."),
        "Array" => {
            it.arity(&args, 1, 1)?;
            Ok(Value::array(to_array(&args[0])))
        }
        "String" => {
            it.arity(&args, 1, 1)?;
            Ok(Value::string(value::to_s(&args[0])))
        }
        "Integer" => {
            it.arity(&args, 1, 2)?;
            number::kernel_integer(it, &args)
        }
        "Float" => {
            it.arity(&args, 1, 1)?;
            number::kernel_float(it, &args[0])
        }
        "Hash" => {
            it.arity(&args, 1, 1)?;
            match &args[0] {
                Value::Nil => Ok(Value::hash(Default::default())),
                Value::Array(a) if a.borrow().is_empty() => Ok(Value::hash(Default::default())),
                Value::Hash(_) => Ok(args[0].clone()),
                other => it.raise(
                    B::TypeError,
                    format!("can't convert {} into Hash", other.class_of().name()),
                ),
            }
        }
        "format" | "sprintf" => {
            if args.is_empty() {
                return it.raise(B::ArgumentError, "too few arguments");
            }
            let f = str_arg(it, &args[0])?;
            Ok(Value::string(format::format(it, &f, &args[1..])?))
        }
        "raise" | "fail" => raise_call(it, &args),
        "require" => {
            it.arity(&args, 1, 1)?;
            let lib = str_arg(it, &args[0])?;
            match lib.as_str() {
                "ipaddr" | "erb" | "json" | "set" | "puppet" | "English" => Ok(Value::Bool(false)),
                _ => it.decline(format!("require '{lib}'")),
            }
        }
        "puts" | "print" | "warn" => Ok(Value::Nil),
        "p" | "pp" => Ok(match args.len() {
            0 => Value::Nil,
            1 => args[0].clone(),
            _ => Value::array(args),
        }),
        "block_given?" => Ok(Value::Bool(false)),
        "loop" => {
            let Some(b) = blk else {
                return it.decline("`loop` without a block");
            };
            loop {
                match it.yield_blk(&b, Vec::new()) {
                    Ok(_) => {}
                    Err(Ctrl::Raise(e, pos)) => {
                        if e.is_a(&Class::Builtin(B::StopIteration)) {
                            return Ok(Value::Nil);
                        }
                        return Err(Ctrl::Raise(e, pos));
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        "instance_variable_get" | "instance_variable_defined?" => {
            it.arity(&args, 1, 1)?;
            let n = value::to_s(&args[0]);
            let Some(n) = n.strip_prefix('@') else {
                return it.raise(
                    B::NameError,
                    format!("'{n}' is not allowed as an instance variable name"),
                );
            };
            let v = it.ivar(n);
            Ok(if name == "instance_variable_get" {
                v.unwrap_or(Value::Nil)
            } else {
                Value::Bool(v.is_some())
            })
        }
        "instance_variable_set" => {
            it.arity(&args, 2, 2)?;
            let n = value::to_s(&args[0]);
            let Some(n) = n.strip_prefix('@') else {
                return it.raise(
                    B::NameError,
                    format!("'{n}' is not allowed as an instance variable name"),
                );
            };
            it.set_ivar(n, args[1].clone());
            Ok(args[1].clone())
        }
        _ => {
            if rm::SELF.binary_search(&name).is_ok() {
                return it.decline(format!("the method `{name}`"));
            }
            if args.is_empty() {
                it.raise(
                    B::NameError,
                    format!(
                        "undefined local variable or method `{name}' for #<Puppet::Parser::TemplateWrapper>"
                    ),
                )
            } else {
                it.raise(
                    B::NoMethodError,
                    format!("undefined method `{name}' for #<Puppet::Parser::TemplateWrapper>"),
                )
            }
        }
    }
}

fn raise_call(it: &mut Interp<'_, '_>, args: &[Value]) -> R<Value> {
    let exc = match args {
        [] => Value::Object(Rc::new(Object::Exception {
            class: Class::Builtin(B::RuntimeError),
            message: "unhandled exception".into(),
        })),
        [Value::Str(s)] => Value::Object(Rc::new(Object::Exception {
            class: Class::Builtin(B::RuntimeError),
            message: s.borrow().clone(),
        })),
        [c, rest @ ..] => match c {
            Value::Object(o) => match &**o {
                Object::Exception { .. } if rest.is_empty() => c.clone(),
                Object::Class(Class::Builtin(b)) if b.is_exception() => {
                    let message = match rest.first() {
                        Some(m) => value::to_s(m),
                        None => b.name().to_string(),
                    };
                    Value::Object(Rc::new(Object::Exception {
                        class: Class::Builtin(*b),
                        message,
                    }))
                }
                _ => return it.raise(B::TypeError, "exception class/object expected"),
            },
            _ => return it.raise(B::TypeError, "exception class/object expected"),
        },
    };
    Err(Ctrl::Raise(exc, it.pos))
}
