//! The compiler's index of declared resources by reference.
//!
//! It stores resource numbers under the hash of their reference, not the references
//! themselves: the resource already holds its reference, and a copy for the index was two
//! more strings to allocate (and free) per declared resource.

use converge_catalog::ResourceRef;
use foldhash::fast::RandomState;
use foldhash::{HashMap, HashMapExt};
use std::hash::BuildHasher;

/// Resource numbers by the hash of their reference; the few whose hash another reference
/// already took are kept aside and searched. `ref_of` gives a resource's reference.
#[derive(Debug, Default)]
pub(crate) struct RefIndex<S = RandomState> {
    hasher: S,
    first: HashMap<u64, usize>,
    collided: Vec<(u64, usize)>,
}

impl<S: BuildHasher + Default> RefIndex<S> {
    /// An empty index.
    pub(crate) fn new() -> Self {
        RefIndex {
            hasher: S::default(),
            first: HashMap::new(),
            collided: Vec::new(),
        }
    }

    /// The number of the resource `r` refers to.
    pub(crate) fn get<'a>(
        &self,
        r: &ResourceRef,
        ref_of: impl Fn(usize) -> &'a ResourceRef,
    ) -> Option<usize> {
        let h = self.hasher.hash_one(r);
        let i = *self.first.get(&h)?;
        if ref_of(i) == r {
            return Some(i);
        }
        self.collided
            .iter()
            .find(|&&(ch, ci)| ch == h && ref_of(ci) == r)
            .map(|&(_, ci)| ci)
    }

    /// Record resource `idx` as the one its reference names, replacing any earlier one.
    pub(crate) fn insert<'a>(&mut self, idx: usize, ref_of: impl Fn(usize) -> &'a ResourceRef) {
        let r = ref_of(idx);
        let h = self.hasher.hash_one(r);
        match self.first.get_mut(&h) {
            None => {
                self.first.insert(h, idx);
            }
            Some(i) if ref_of(*i) == r => *i = idx,
            Some(_) => match self
                .collided
                .iter_mut()
                .find(|(ch, ci)| *ch == h && ref_of(*ci) == r)
            {
                Some((_, ci)) => *ci = idx,
                None => self.collided.push((h, idx)),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{BuildHasherDefault, Hasher};

    /// Every reference hashes alike, so that all but the first collide.
    #[derive(Default)]
    struct Same;
    impl Hasher for Same {
        fn finish(&self) -> u64 {
            7
        }
        fn write(&mut self, _: &[u8]) {}
    }

    fn finds_every_reference<S: BuildHasher + Default>() {
        let refs = [
            ResourceRef::new("file", "/a"),
            ResourceRef::new("package", "a"),
            ResourceRef::new("class", "a"),
            ResourceRef::new("file", "/a"),
        ];
        let mut index: RefIndex<S> = RefIndex::new();
        for i in 0..3 {
            index.insert(i, |k| &refs[k]);
        }
        for (i, r) in refs[..3].iter().enumerate() {
            assert_eq!(index.get(r, |k| &refs[k]), Some(i), "{r}");
        }
        assert_eq!(
            index.get(&ResourceRef::new("file", "/b"), |k| &refs[k]),
            None
        );
        // A later resource of the same reference replaces the earlier one.
        index.insert(3, |k| &refs[k]);
        assert_eq!(index.get(&refs[0], |k| &refs[k]), Some(3));
        assert_eq!(index.get(&refs[1], |k| &refs[k]), Some(1));
    }

    #[test]
    fn finds_references_by_hash() {
        finds_every_reference::<RandomState>();
    }

    #[test]
    fn finds_references_whose_hashes_collide() {
        finds_every_reference::<BuildHasherDefault<Same>>();
    }
}
