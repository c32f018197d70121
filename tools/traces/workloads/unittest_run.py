# unittest: run a small test suite with the text runner (assertions, setUp, subTest).
import io
import unittest

from _marker import mark


class Arithmetic(unittest.TestCase):
    def setUp(self):
        self.values = [i * i for i in range(200)]

    def test_sum(self):
        self.assertEqual(sum(self.values), sum(i * i for i in range(200)))

    def test_strings(self):
        for i in range(100):
            with self.subTest(i=i):
                self.assertEqual(str(i) + "x", "%dx" % i)

    def test_dicts(self):
        d = {str(k): [k] * (k % 5) for k in range(300)}
        self.assertEqual(len(d), 300)
        self.assertIn("17", d)

    def test_failure_message(self):
        with self.assertRaises(AssertionError):
            self.assertEqual([1, 2, 3], [1, 2, 4])


m = mark()
for _ in range(4):
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(Arithmetic)
    result = unittest.TextTestRunner(stream=io.StringIO(), verbosity=2).run(suite)
    assert result.wasSuccessful()
del m
mark()
