# Invented sensitive words (no meaning, not in any dictionary) for the evasion
# evaluation: planted with each evasion by scripts/gen-proofread-eval.py.
禁汐骊蓥
罟麸岚
窣渌昶
蕤舁璩氍
獬豸钤
鸺鹠瀹
甑筘帑
黥缁逡
葳蕤綦
岬隈蠡
falun
zkqwv
xplorb
mvtrak
qzjyne
